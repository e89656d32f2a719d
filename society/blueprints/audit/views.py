"""The society-wide audit trail, filtered and paginated, and its CSV export."""

from flask import current_app, render_template, request

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...schemas.audit import AuditFilterSchema
from ...schemas.base import load_filters
from ...services.platform.audit_trail import EXPORT_COLUMNS, AuditFilters, export_rows, readable, society_trail
from ...services.platform.exports import audited_csv
from . import bp

ENTITY_TYPES = sorted(mapper.class_.__name__ for mapper in db.Model.registry.mappers)
ACTIONS = ("create", "update", "delete", "login", "logout", "login_failed", "export", "raise_dues", "import")


def _filters() -> tuple[AuditFilters, int, dict, dict]:
    """The filters from the query string (a bad value is dropped), the page, the errors, and the
    filters as given (for links)."""
    data, errors, raw = load_filters(AuditFilterSchema(), request.args)
    page_number = data.pop("page")
    raw.pop("page", None)
    return AuditFilters(**data), page_number, errors, raw


@bp.route("/")
@roles_required("admin")
def index():
    filters, page_number, errors, values = _filters()
    events = db.paginate(society_trail(admin_society_id(), filters), page=page_number,
                         per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("audit/index.html", events=events, readable_events=readable(events.items),
                           values=values, errors=errors,
                           entity_types=ENTITY_TYPES, actions=ACTIONS)


@bp.route("/export.csv")
@roles_required("admin")
def export():
    """The filtered trail as CSV, every page (the download is itself on the trail)."""
    filters, _page, _errors, values = _filters()
    society_id = admin_society_id()
    return audited_csv("audit", EXPORT_COLUMNS, export_rows(society_id, filters), entity_type="AuditEvent",
                       society_id=society_id,
                       filters={k: v for k, v in values.items() if k in AuditFilters.__dataclass_fields__})
