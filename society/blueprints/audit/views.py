"""The society-wide audit trail, filtered and paginated."""
from flask import current_app, render_template, request

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...schemas.audit import AuditFilterSchema
from ...services.audit_trail import AuditFilters, society_trail
from . import bp

ENTITY_TYPES = sorted(mapper.class_.__name__ for mapper in db.Model.registry.mappers)
ACTIONS = ("create", "update", "delete", "login", "logout", "login_failed", "export", "raise_dues", "import")


@bp.route("/")
@roles_required("admin")
def index():
    raw = request.args.to_dict()
    schema = AuditFilterSchema()
    errors = schema.validate(raw)
    for key in errors:
        raw.pop(key, None)
    data = schema.load(raw)
    page_number = data.pop("page")
    events = db.paginate(society_trail(admin_society_id(), AuditFilters(**data)), page=page_number,
                         per_page=current_app.config["PAGE_SIZE"], error_out=False)
    raw.pop("page", None)
    return render_template("audit/index.html", events=events, values=raw, errors=errors,
                           entity_types=ENTITY_TYPES, actions=ACTIONS)
