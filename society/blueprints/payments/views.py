"""Bank payment files: upload, preview (matched, partial, unmatched...), commit all or nothing."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import select

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...models import PaymentImport, Society
from ...schemas.base import load_form
from ...schemas.dues import PaymentCommitSchema
from ...editing import commit_edit
from ...services.membership import bank_payments
from . import bp

def _outcome_labels() -> dict:
    return {
        "matched": _("Paid in full"), "overpaid": _("Paid more than invoiced"), "partial": _("Partial payment"),
        "already_paid": _("Invoice already paid"), "duplicate": _("Invoice twice in the file"),
        "unmatched": _("No invoice with this reference"), "invalid": _("Line cannot be read"),
    }


def _society() -> Society:
    return db.session.get(Society, admin_society_id())


def _index_page(errors=None, status=200):
    files = db.session.scalars(select(PaymentImport).where(PaymentImport.society_id == admin_society_id())
                               .order_by(PaymentImport.created_at.desc(), PaymentImport.id.desc()).limit(20)).all()
    return render_template("payments/index.html", files=files, errors=errors or {},
                           columns=bank_payments.COLUMNS), status


@bp.route("/", methods=["GET"])
@roles_required("admin")
def index():
    return _index_page()


@bp.route("/", methods=["POST"])
@roles_required("admin")
def upload():
    file = request.files.get("file")
    if file is None or not file.filename:
        return _index_page({"file": [_("Choose a CSV file.")]}, 422)
    try:
        raw = file.read(bank_payments.MAX_BYTES + 1)
    finally:
        file.close()
    outcome = commit_edit(lambda: bank_payments.stage(admin_society_id(), file.filename, raw, current_user.id),
                          default_field="file")
    if not outcome.saved:
        return _index_page(outcome.errors or {"file": [outcome.message]}, outcome.status)
    return redirect(url_for(".show", import_id=outcome.value))


def _show_page(batch: PaymentImport, status: int = 200, problem: str | None = None):
    society = _society()
    result = bank_payments.preview(society, batch.content) if batch.status == "staged" else None
    return render_template("payments/show.html", batch=batch, result=result, labels=_outcome_labels(),
                           outcomes=bank_payments.OUTCOMES, problem=problem), status


@bp.route("/<int:import_id>")
@roles_required("admin")
def show(import_id: int):
    return _show_page(bank_payments.staged(admin_society_id(), import_id))


@bp.route("/<int:import_id>/commit", methods=["POST"])
@roles_required("admin")
def commit(import_id: int):
    batch = bank_payments.staged(admin_society_id(), import_id)
    data, errors = load_form(PaymentCommitSchema(), request.form)
    if errors:
        return _show_page(batch, 422, _("The form was not complete; nothing was imported."))
    outcome = commit_edit(lambda: bank_payments.commit(batch, _society(), data["fingerprint"]))
    if not outcome.saved:
        return _show_page(bank_payments.staged(admin_society_id(), import_id), outcome.refusal_status, outcome.message)
    result = outcome.value
    booked = result.counts["matched"] + result.counts["overpaid"]
    flash(ngettext("%(num)s payment booked.", "%(num)s payments booked.", booked), "success")
    return redirect(url_for(".show", import_id=import_id))


@bp.route("/<int:import_id>/discard", methods=["POST"])
@roles_required("admin")
def discard(import_id: int):
    batch = bank_payments.staged(admin_society_id(), import_id)
    outcome = commit_edit(lambda: bank_payments.discard(batch))
    if not outcome.saved:
        return _show_page(bank_payments.staged(admin_society_id(), import_id), outcome.refusal_status, outcome.message)
    flash(_("The payment file was discarded; nothing was booked."), "success")
    return redirect(url_for(".index"))
