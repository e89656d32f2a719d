"""A society's own settings, changed by its administrators (audited by the flush hook)."""
from ...models import Society

# The application's Content-Security-Policy but for who may frame the page.
FRAMED_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                 "object-src 'none'; base-uri 'self'; frame-ancestors {ancestors}; form-action 'self'")


def update(society: Society, *, require_admin_2fa: bool, finder_frame_ancestors: str | None = None) -> None:
    """Require two-factor authentication of the society's administrators, or stop requiring it.
    Administrators without it are sent to enrol at their next request (blueprints/auth/twofactor.py).
    ``finder_frame_ancestors``: the sites (origins, space-separated) that may embed the public finder."""
    society.require_admin_2fa = require_admin_2fa
    society.finder_frame_ancestors = finder_frame_ancestors or None


def finder_policy(society: Society) -> str:
    """The embeddable finder's CSP: framable by the society's sites only, by nobody when it names none."""
    return FRAMED_POLICY.format(ancestors=society.finder_frame_ancestors or "'none'")


def update_retention(society: Society, **rules: int) -> None:
    """The society's retention rules (``retention_*`` columns), applied by the daily retention job
    (services/privacy/retention.py)."""
    for name, value in rules.items():
        setattr(society, name, value)
