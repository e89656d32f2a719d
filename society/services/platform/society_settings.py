"""A society's own settings, changed by its administrators (audited by the flush hook)."""
from ...models import Society


def update(society: Society, *, require_admin_2fa: bool) -> None:
    """Require two-factor authentication of the society's administrators, or stop requiring it.
    Administrators without it are sent to enrol at their next request (blueprints/auth/twofactor.py)."""
    society.require_admin_2fa = require_admin_2fa


def update_retention(society: Society, **rules: int) -> None:
    """The society's retention rules (``retention_*`` columns), applied by the daily retention job
    (services/privacy/retention.py)."""
    for name, value in rules.items():
        setattr(society, name, value)
