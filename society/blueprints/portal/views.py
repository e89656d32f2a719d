"""Leaders' pages: my records, log a record, edit or withdraw it, to countersign, my groups.

A leader sees only their own records, plus the records they are asked to countersign."""
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from ...access import requires_person, roles_required
from ...database import writing
from ...editing import commit_edit
from ...extensions import db
from ...models import Group, TrainingRecord
from ...models.training import UNITS, split_tags
from ...presentation.records import PROVIDERS, REPORT_KINDS, TAGS
from ...schemas.base import load_filters, load_form
from ...schemas.training import MyRecordsFilterSchema, RecordFormSchema
from ...services.training import evidence, ledger
from ...services.groups import led_groups
from . import bp


def _me():
    return current_user.person


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def _group_names(records) -> dict:
    ids = {r.group_id for r in records if r.group_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Group.id, Group.name).where(Group.id.in_(ids))).all())


def _own_record_or_404(record_id: int) -> TrainingRecord:
    record = db.session.get(TrainingRecord, record_id)
    if record is None or record.person_id != current_user.person_id:
        abort(404)
    return record


# -- my records --------------------------------------------------------------------------

@bp.route("/records")
@roles_required("leader")
@requires_person
def records():
    filters, errors, _raw = load_filters(MyRecordsFilterSchema(), request.args)
    stmt = (
        select(TrainingRecord).where(TrainingRecord.person_id == current_user.person_id)
        .options(selectinload(TrainingRecord.supervisor), selectinload(TrainingRecord.countersigned_by))
        .order_by(TrainingRecord.occurred_on.desc(), TrainingRecord.id.desc())
    )
    for name in ("status", "kind"):
        if filters.get(name):
            stmt = stmt.where(getattr(TrainingRecord, name) == filters[name])
    if filters.get("date_from"):
        stmt = stmt.where(TrainingRecord.occurred_on >= filters["date_from"])
    if filters.get("date_to"):
        stmt = stmt.where(TrainingRecord.occurred_on <= filters["date_to"])
    page = db.paginate(stmt, page=filters.get("page", 1), per_page=_page_size(), error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("portal/records.html", page=page, group_names=_group_names(page.items),
                           values=request.args, errors=errors, args=args), (422 if errors else 200)


# -- log, edit, withdraw -----------------------------------------------------------------

def _submitted():
    """(form data, errors) of a record form, with the evidence upload beside the fields."""
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        return None, {"evidence": [_("The upload is too large; attach a smaller file.")]}, {}
    data, errors = load_form(RecordFormSchema(), form)
    upload = files.get("evidence")
    if data is not None and upload is not None and upload.filename:
        data["evidence"] = evidence.Upload(upload.filename, upload.stream)
    return data, errors, form


def _render_form(record, values, errors, status=200):
    # A browser never re-sends a file: after a refused submit the leader must choose it again.
    upload = request.files.get("evidence") if request.method == "POST" and values else None
    return render_template(
        "portal/record_form.html", record=record, values=values, errors=errors,
        kinds=ledger.LOGGABLE_KINDS, units=UNITS, groups=ledger.groups_for_form(_me()),
        providers=PROVIDERS, report_kinds=REPORT_KINDS, tag_codes=TAGS,
        # The name of a chosen file the 422 could not keep (a browser never refills a file input).
        upload_lost=upload.filename if upload and upload.filename and "evidence" not in errors else None,
        evidence_limit=evidence.size_text(current_app.config["EVIDENCE_MAX_BYTES"]),
    ), status


@bp.route("/records/new", methods=["GET", "POST"])
@roles_required("leader")
@requires_person
def new_record():
    if request.method == "GET":
        return _render_form(None, {"unit": "session", "units": "1", "in_person": "y",
                                   "occurred_on": date.today().isoformat()}, {})
    data, errors, form = _submitted()
    if not errors:
        outcome = commit_edit(lambda: ledger.log_record(_me(), data, current_user._get_current_object(),
                                                        today=date.today()), default_field="kind")
        errors = outcome.errors
        if outcome.saved:
            flash(_("Your record has been logged; it is pending until approved or countersigned."), "success")
            return redirect(url_for("portal.records"))
    return _render_form(None, form, errors, 413 if "evidence" in errors and not form else 422)


def _values_of(record: TrainingRecord) -> dict:
    return {
        "kind": record.kind, "occurred_on": record.occurred_on.isoformat(), "unit": record.unit,
        "units": f"{record.units.normalize():f}", "minutes": str(record.minutes),
        "in_person": "y" if record.in_person else "", "title": record.title or "",
        "group_id": record.group_id or "", "supervisor_email": record.supervisor.email if record.supervisor else "",
        "provider": record.provider or "", "report_kind": record.report_kind or "", "tags": list(split_tags(record.tags)),
        "days": record.days or "",
    }


@bp.route("/records/<int:record_id>/edit", methods=["GET", "POST"])
@roles_required("leader")
@requires_person
def record_edit(record_id: int):
    record = _own_record_or_404(record_id)
    ledger.ensure_editable(record, _me())
    if request.method == "GET":
        return _render_form(record, _values_of(record), {})
    data, errors, form = _submitted()
    if not errors:
        outcome = commit_edit(lambda: ledger.update_record(record, _me(), data, today=date.today()),
                              default_field="kind")
        errors = outcome.errors
        if outcome.saved:
            flash(_("Your record has been changed."), "success")
            return redirect(url_for("portal.records"))
    record = _own_record_or_404(record_id)
    return _render_form(record, form, errors, 413 if "evidence" in errors and not form else 422)


@bp.route("/records/<int:record_id>/withdraw", methods=["POST"])
@roles_required("leader")
@requires_person
def record_withdraw(record_id: int):
    record = _own_record_or_404(record_id)
    ledger.withdraw_record(record, _me())
    db.session.commit()
    flash(_("Your record has been withdrawn."), "info")
    return redirect(url_for("portal.records"))


@bp.route("/records/<int:record_id>/evidence")
@roles_required("leader")
@requires_person
def record_evidence(record_id: int):
    """The owner's evidence file, or one they are asked to countersign; 404 for anyone else."""
    record = db.session.get(TrainingRecord, record_id)
    if record is None or not ledger.may_see_evidence(record, current_user.person_id):
        abort(404)
    path = evidence.path_of(record.evidence_path)
    name, content_type = record.evidence_name, record.evidence_type
    db.session.commit()  # end the read transaction: the download is recorded in a writing one
    with writing():
        evidence.note_download(record)
        db.session.commit()
    return send_file(path, mimetype=content_type, as_attachment=True, download_name=name, max_age=0)


# -- to countersign ----------------------------------------------------------------------

@bp.route("/countersign")
@roles_required("leader")
@requires_person
def countersign():
    page, accredited_on = ledger.countersign_page(current_user.person_id, max(request.args.get("page", 1, type=int), 1),
                                                  _page_size())
    return render_template("portal/countersign.html", page=page, group_names=_group_names(page.items),
                           accredited_on=accredited_on, args={})


@bp.route("/countersign/<int:record_id>", methods=["POST"])
@roles_required("leader")
@requires_person
def countersign_record(record_id: int):
    record = db.session.get(TrainingRecord, record_id)
    me = current_user.person_id
    # Records neither mine nor put to me do not exist as far as this leader can tell.
    if record is None or (record.person_id != me and not ledger.is_asked_to_countersign(record, me)):
        abort(404)
    outcome = commit_edit(lambda: ledger.countersign(record, _me(), date.today(),
                                                     by_user=current_user._get_current_object()))
    if not outcome.saved:
        flash(outcome.message, "danger")
        return redirect(url_for("portal.countersign"))
    flash(_("You have countersigned the record; it is approved."), "success")
    return redirect(url_for("portal.countersign"))


# -- my groups ---------------------------------------------------------------------------

@bp.route("/groups")
@roles_required("leader")
@requires_person
def groups():
    page_number = max(request.args.get("page", 1, type=int), 1)
    page, rows = led_groups.led_groups(current_user.person_id, date.today(), page_number)
    return render_template("portal/groups.html", page=page, rows=rows, today=date.today(), args={})
