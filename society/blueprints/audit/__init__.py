from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation
from ...services.platform.audit_trail import changes_of

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

navigation.add("audit.index", _l("Audit"), ("admin",), order=90, menu=navigation.MORE)


@bp.app_template_filter("audit_changes")
def audit_changes(event):
    """For templates/macros/history.html: an event's changes as (field, old, new) items."""
    return changes_of(event)


from . import views  # noqa: E402,F401
