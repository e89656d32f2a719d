"""Administrators' pages: pending records to review in bulk, a leader's ledger, a record's detail.

Every query is scoped to the administrator's society: a record belongs to it when its
person is (or was) a member; anything else answers 404."""

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...access import admin_society_id, roles_required
from ...database import writing
from ...editing import commit_edit
from ...extensions import db
from ...models import Person, TrainingRecord
from ...models.training import RECORD_KINDS, RECORD_STATUSES
from ...schemas.base import load_filters, load_form
from ...models.training import split_tags
from ...presentation.records import PROVIDERS, REPORT_KINDS, TAGS
from ...schemas.training import DecisionSchema, AdminRecordFactsSchema, ReviewFilterSchema
from ...services.platform import audit
from ...services.training import evidence, ledger
from ...services.errors import Forbidden, InvalidInput, NotFound
from ...services.platform.audit_trail import readable
from ...services.platform.exports import audited_csv
from . import bp


def _scoped(stmt):
    return stmt.where(ledger.in_society(admin_society_id()))


def _record_or_404(record_id: int) -> TrainingRecord:
    record = db.session.scalar(_scoped(select(TrainingRecord).where(TrainingRecord.id == record_id)))
    if record is None:
        abort(404)
    return record


def _review_filters() -> tuple[dict, dict]:
    """The review list's filters and their errors; filters it cannot use show the pending records."""
    filters, errors, _raw = load_filters(ReviewFilterSchema(), request.args)
    return filters, errors


def _render_review(errors: dict | None = None, decision: dict | None = None, status: int = 200):
    filters, filter_errors = _review_filters()
    page = db.paginate(ledger.review_list(admin_society_id(), filters), page=filters.get("page", 1),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    groups, users = ledger.names_for(page.items)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "ledger/review.html", page=page, group_names=groups, deciders=users, values=request.args,
        errors=filter_errors, decision_errors=errors or {}, decision=decision or {}, args=args,
        kinds=RECORD_KINDS, statuses=RECORD_STATUSES,
    ), (422 if filter_errors else status)


@bp.route("/")
@roles_required("admin")
def review():
    return _render_review()


@bp.route("/export.csv")
@roles_required("admin")
def export():
    """The review list's filtered records as CSV, every page (the download is on the audit trail)."""
    filters, _errors = _review_filters()
    filters.pop("page", None)
    return _export(ledger.review_list(admin_society_id(), filters), "training-records",
                   {k: v for k, v in filters.items() if v is not None})


def _export(statement, name: str, filters: dict):
    return audited_csv(name, ledger.EXPORT_COLUMNS, ledger.export_rows(statement), entity_type="TrainingRecord",
                       society_id=admin_society_id(), filters=filters)


@bp.route("/decide", methods=["POST"])
@roles_required("admin")
def decide():
    """Approve or reject the selected records, all or none."""
    data, errors = load_form(DecisionSchema(), request.form)
    selected = request.form.getlist("record_ids")
    if errors:
        if request.form.get("next"):  # from a record's page: say what is missing there
            flash(" ".join(str(m) for messages in errors.values() for m in messages), "danger")
            return redirect(_back(request.form.get("next")))
        return _render_review(errors, {"reason": request.form.get("reason", ""), "selected": selected}, 422)
    outcome = commit_edit(lambda: ledger.decide(admin_society_id(), set(data["record_ids"]), data["action"],
                                                data["reason"], current_user._get_current_object()),
                          default_field="record_ids")
    if isinstance(outcome.refusal, NotFound):
        abort(404)
    if isinstance(outcome.refusal, Forbidden):  # the administrator's own records: refused, nothing decided
        return _render_review(outcome.errors, {"reason": request.form.get("reason", ""), "selected": selected}, 403)
    if isinstance(outcome.refusal, InvalidInput):
        return _render_review(outcome.errors, {"reason": request.form.get("reason", ""), "selected": selected}, 422)
    if not outcome.saved:
        flash(outcome.message, "danger")
        return redirect(_back(data.get("next")))
    count = outcome.value
    if data["action"] == "approve":
        flash(_("%(n)s record(s) approved.", n=count), "success")
    else:
        flash(_("%(n)s record(s) rejected.", n=count), "success")
    return redirect(_back(data.get("next")))


def _back(target: str | None) -> str:
    prefix = url_for("ledger.review")
    if target and target.startswith(prefix) and not target.startswith("//"):
        return target
    return url_for("ledger.review", **request.args)


@bp.route("/people/<int:person_id>")
@roles_required("admin")
def person_ledger(person_id: int):
    """A leader's full ledger: every record, its status and who decided it."""
    person = db.session.get(Person, person_id)
    if person is None or not ledger.person_in_society(person_id, admin_society_id()):
        abort(404)
    page = db.paginate(ledger.person_ledger(person_id), page=max(request.args.get("page", 1, type=int), 1),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    groups, users = ledger.names_for(page.items)
    return render_template("ledger/person.html", person=person, page=page, group_names=groups, deciders=users, args={})


@bp.route("/people/<int:person_id>/export.csv")
@roles_required("admin")
def person_ledger_export(person_id: int):
    """A leader's full ledger as CSV (the download is on the audit trail)."""
    if not ledger.person_in_society(person_id, admin_society_id()):
        abort(404)
    return _export(ledger.person_ledger(person_id), f"ledger-{person_id}", {"person_id": person_id})


@bp.route("/<int:record_id>")
@roles_required("admin")
def detail(record_id: int):
    return _render_detail(_record_or_404(record_id))


def _render_detail(record: TrainingRecord, facts: dict | None = None, errors: dict | None = None, status: int = 200):
    groups, users = ledger.names_for([record])
    events = readable(audit.history_of("TrainingRecord", record.id))
    if facts is None:
        facts = {"provider": record.provider or "", "report_kind": record.report_kind or "",
                 "tags": list(split_tags(record.tags)), "days": record.days or ""}
    return render_template("ledger/detail.html", record=record, group_name=groups.get(record.group_id),
                           decider=users.get(record.decided_by_id), events=events, facts=facts,
                           fact_errors=errors or {}, report_kinds=REPORT_KINDS,
                           # a provider an imported file named stays choosable (and is kept on saving)
                           providers=PROVIDERS + ((record.provider,) if record.provider not in (None, *PROVIDERS) else ()),
                           tag_codes=TAGS), status


@bp.route("/<int:record_id>/facts", methods=["POST"])
@roles_required("admin")
def record_facts(record_id: int):
    """Set the facts the rules filter on (provider, report kind, tags); a refusal keeps what was chosen."""
    record = _record_or_404(record_id)
    data, errors = load_form(AdminRecordFactsSchema(), request.form)
    if not errors:
        outcome = commit_edit(lambda: ledger.set_record_facts(record, data, current_user._get_current_object()),
                              default_field="provider")
        if outcome.saved:
            flash(_("The record's facts have been saved."), "success")
            return redirect(url_for("ledger.detail", record_id=record_id))
        if isinstance(outcome.refusal, Forbidden):
            abort(403)
        errors = outcome.errors or {"provider": [outcome.message]}
        record = _record_or_404(record_id)
    return _render_detail(record, request.form, errors, 422)


@bp.route("/<int:record_id>/evidence")
@roles_required("admin")
def record_evidence(record_id: int):
    record = _record_or_404(record_id)
    path = evidence.path_of(record.evidence_path)
    name, content_type = record.evidence_name, record.evidence_type
    db.session.commit()  # end the read transaction: the download is recorded in a writing one
    with writing():
        evidence.note_download(record, admin_society_id())
        db.session.commit()
    return send_file(path, mimetype=content_type, as_attachment=True, download_name=name, max_age=0)
