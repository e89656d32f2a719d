"""The flags inbox: the lapse scan's flags for the administrator's society, filtered, acknowledged, exported."""
from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...models.flags import FLAG_KINDS, SUBJECT_TYPES
from ...schemas.base import load_filters, load_form
from ...schemas.flags import AcknowledgeSchema, FlagFilterSchema
from ...services.flags import inbox as flag_service
from ...services.platform.exports import audited_csv
from ...services.flags.wording import describe
from . import bp

KIND_LABELS = {
    "accreditation_expiring": _l("Accreditation expiring"),
    "accreditation_expired": _l("Accreditation expired"),
    "membership_lapsed": _l("Membership lapsed"),
    "dues_lapsed": _l("Dues unpaid"),
    "trainee_behind_pace": _l("Trainee behind pace"),
    "group_losing_accreditation": _l("Group losing its accredited leader"),
    "group_unaccredited": _l("Group without accredited leader"),
    "trainee_unsupervised": _l("Trainee leading unsupervised"),
    "group_norms": _l("Group norms"),
}
STATE_LABELS = {"open": _l("Open"), "acknowledged": _l("Acknowledged"), "resolved": _l("Resolved"), "all": _l("All")}
SUBJECT_LABELS = {"group": _l("Group"), "person": _l("Person"), "accreditation": _l("Accreditation"),
                  "membership": _l("Membership")}
SEVERITY_CLASSES = {"info": "text-bg-secondary", "warning": "text-bg-warning", "critical": "text-bg-danger"}


def _filters_from(args) -> tuple[dict, dict]:
    data, errors, _raw = load_filters(FlagFilterSchema(), args)
    return data, errors


def _render_inbox(filters: dict, errors: dict, *, status: int = 200, ack_errors=None, ack_values=None):
    society_id = admin_society_id()
    page = flag_service.inbox(society_id, page=filters["page"], per_page=50,
                              **{k: v for k, v in filters.items() if k != "page"})
    labels, people = flag_service.describe_subjects(page.items)
    args = {k: v for k, v in filters.items() if v is not None and k != "page"}
    return render_template(
        "flags/inbox.html", page=page, filters=filters, filter_errors=errors, args=args, labels=labels, people=people,
        describe=describe, kinds=[(k, KIND_LABELS[k]) for k in FLAG_KINDS], kind_labels=KIND_LABELS,
        states=list(STATE_LABELS.items()), subjects=[(s, SUBJECT_LABELS[s]) for s in SUBJECT_TYPES],
        subject_labels=SUBJECT_LABELS, severity_classes=SEVERITY_CLASSES,
        counts=flag_service.counts_by_state(society_id), back=urlencode({**args, "page": filters["page"]}),
        ack_errors=ack_errors or {}, ack_values=ack_values or {},
    ), status


@bp.route("/")
@roles_required("admin")
def inbox():
    filters, errors = _filters_from(request.args)
    return _render_inbox(filters, errors, status=422 if errors else 200)


@bp.route("/export.csv")
@roles_required("admin")
def export():
    """The filtered inbox as CSV, every page (the download is on the audit trail)."""
    filters, _errors = _filters_from(request.args)
    filters.pop("page", None)
    society_id = admin_society_id()
    return audited_csv("flags", flag_service.EXPORT_COLUMNS, flag_service.export_rows(society_id, **filters),
                       entity_type="Flag", society_id=society_id, filters=filters)


@bp.route("/<int:flag_id>/acknowledge", methods=["POST"])
@roles_required("admin")
def acknowledge(flag_id: int):
    data, errors = load_form(AcknowledgeSchema(), request.form)
    back = (data or {}).get("back") or request.form.get("back") or ""
    filters, _errors = _filters_from(MultiDict(parse_qsl(back)))
    if errors:
        return _render_inbox(filters, {}, status=422, ack_errors={flag_id: errors},
                             ack_values={flag_id: request.form.get("note", "")})
    flag_service.acknowledge(admin_society_id(), flag_id, current_user.id, data["note"])
    db.session.commit()
    flash(_("Flag acknowledged."), "success")
    return redirect(url_for("flags.inbox", **{k: v for k, v in filters.items() if v is not None and not (k == "page" and v == 1)}))
