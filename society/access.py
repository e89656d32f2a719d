"""Who may reach which route. Every view declares its access; a view that declares
nothing is refused (fail closed), and a test walks the URL map to prove none is missing."""
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

PUBLIC = "public"
ANY_USER = "any_user"


def public(view):
    """Reachable without logging in."""
    view._access = (PUBLIC,)
    return view


def login_required(view):
    """Any logged-in user, whatever the role."""
    view._access = (ANY_USER,)
    return view


def roles_required(*roles: str):
    """Logged in with one of these roles."""

    def mark(view):
        view._access = tuple(roles)
        return view

    return mark


# Blueprints of libraries whose every route is public (the OpenAPI document and its reference page).
PUBLIC_BLUEPRINTS = {"api-docs"}


def rule_for(endpoint: str, view) -> tuple | None:
    if endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
        return (PUBLIC,)
    return access_of(view)


def access_of(view) -> tuple | None:
    rule = getattr(view, "_access", None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, "_access", None)
    return rule


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def enforce_access():
    """before_request hook: apply the view's declared access rule."""
    if request.endpoint is None:
        return None  # 404/405 are answered by the error handlers
    if request.endpoint == "static" or request.endpoint.endswith(".static"):
        return None
    view = current_app.view_functions.get(request.endpoint)
    rule = rule_for(request.endpoint, view) if view is not None else None
    if rule is None:
        current_app.logger.error("Route %s declares no access rule; refused.", request.endpoint)
        abort(403)
    if rule == (PUBLIC,):
        return None
    if not current_user.is_authenticated:
        if wants_json():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
    if rule != (ANY_USER,) and current_user.role not in rule:
        abort(403)
    return None


def admin_society_id() -> int:
    """The society an administrator acts for; every admin query is scoped by it."""
    return current_user.society_id


def requires_person(view):
    """For portal views: the user must be linked to a person."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.person_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
