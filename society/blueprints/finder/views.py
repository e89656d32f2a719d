"""Thin views: read the search or the form through its schema, ask services/groups/finder.py, render.

Pages work without JavaScript. The embeddable list (``/find/embed/<society code>``) may be framed
by the sites the society names (its settings page); every other page keeps ``frame-ancestors 'none'``."""
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...access import public
from ...api.calendars import calendar_response
from ...extensions import db, limiter
from ...models import Society
from ...presentation.groups import LABELS
from ...presentation.groups import choices as choices_of
from ...schemas.base import load_filters, load_form
from ...schemas.finder import ContactFormSchema, FinderQuerySchema
from ...services.errors import DomainError
from ...services.groups import calendar_feeds, finder
from ...services.platform import society_settings
from ...services.platform.logins import send
from . import bp

SEARCH_KEYS = ("city", "profession", "language", "format", "open")


@bp.before_request
def keep_the_language_asked_for():
    """A link from a society's website may ask for a language (``?lang=sv``): the visitor's next pages keep it,
    as if chosen from the menu. (Inside a frame the cookie may be refused: the embed's links carry it.)"""
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        session["lang"] = request.args["lang"]


def _search_page(template: str, society: Society | None = None):
    filters, errors, raw = load_filters(FinderQuerySchema(), request.args)
    page = max(request.args.get("page", 1, type=int), 1)
    code = society.code if society else None
    groups, total = finder.search(filters, date.today(), page, code)
    args = {key: raw[key] for key in SEARCH_KEYS if raw.get(key)}
    return render_template(template, groups=groups, total=total, page=page, per_page=finder.PAGE_SIZE,
                           filters=filters, errors=errors, args=args, society=society, labels=LABELS,
                           professions=choices_of("profession"), formats=choices_of("format"),
                           **finder.choices(code))


@bp.route("/find")
@public
def search():
    return _search_page("finder/search.html")


@bp.route("/find/embed/<code>")
@public
def embed(code: str):
    """The finder for a society's own website: its groups only, minimal chrome, framable by its sites."""
    society = db.session.scalar(db.select(Society).where(Society.code == code.upper()))
    if society is None:
        abort(404)
    response = current_app.make_response(_search_page("finder/embed.html", society))
    response.headers["Content-Security-Policy"] = society_settings.finder_policy(society)
    return response


def _render_group(group_id: int, values: dict | None = None, errors: dict | None = None, status: int = 200):
    found = finder.public_group(group_id, date.today(), finder.now_utc())
    return render_template("finder/group.html", group=found.facts, upcoming=found.upcoming, labels=LABELS,
                           values=values or {}, errors=errors or {},
                           started=finder.time_token(group_id)), status


@bp.route("/find/groups/<int:group_id>")
@public
def group(group_id: int):
    return _render_group(group_id)


def _contact_limit() -> str:
    return current_app.config["FINDER_CONTACT_RATE_LIMIT"]


@bp.route("/find/groups/<int:group_id>/contact", methods=["POST"])
@public
@limiter.limit(_contact_limit, methods=["POST"])
def contact(group_id: int):
    """Relay a message to the group's leaders by e-mail; their addresses are never shown."""
    values = request.form.to_dict()
    values.pop("started", None)
    data, errors = load_form(ContactFormSchema(), request.form)
    if errors:
        return _render_group(group_id, values, errors, 422)
    try:
        finder.check_time_token(data["started"], group_id)
        mail = finder.contact_mail(group_id, date.today(), data)
        if mail is not None:
            send(mail)
    except DomainError as error:  # nothing was written: a refused message reads only
        if error.status == 404:
            raise
        return _render_group(group_id, values, {"message": [error.message]}, error.status)
    flash(_("Your message has been sent to the leaders. They will answer you by e-mail."), "success")
    return redirect(url_for(".group", group_id=group_id))


@bp.route("/calendar/<token>.ics")
@public
def personal_calendar(token: str):
    """A leader's groups as one calendar, at the secret address from their portal."""
    body = calendar_feeds.personal_calendar(token, date.today())
    if body is None:
        abort(404)
    response = calendar_response(body, "my-groups.ics")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
