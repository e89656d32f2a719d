"""Importing a candidate's ledger file (prior learning): the records arrive imported and pending.

Only administrators of a society the person is (or was) a member of; anyone else's person is a 404."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...extensions import db
from ...models import Person
from ...services.training import ledger, ledger_import
from . import bp


def _candidate_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or not ledger.person_in_society(person_id, admin_society_id()):
        abort(404)
    return person


def _page(person: Person, problems: list[str] | None = None, errors: dict | None = None, status: int = 200):
    return render_template("ledger/import.html", person=person, problems=problems or [], errors=errors or {},
                           limit_mb=ledger_import.MAX_BYTES // (1024 * 1024)), status


@bp.route("/people/<int:person_id>/import", methods=["GET", "POST"])
@roles_required("admin")
def import_ledger(person_id: int):
    person = _candidate_or_404(person_id)
    if request.method == "GET":
        return _page(person)
    try:
        upload = request.files.get("ledger")
    except RequestEntityTooLarge:
        return _page(person, errors={"ledger": [_("The upload is too large.")]}, status=413)
    if upload is None or not upload.filename:
        return _page(person, errors={"ledger": [_("Choose a ledger file (JSON).")]}, status=422)
    content = upload.stream.read(ledger_import.MAX_BYTES + 1)
    outcome = commit_edit(lambda: ledger_import.import_ledger(
        person, ledger_import.read_file(content), current_user._get_current_object(), admin_society_id(),
        today=date.today(), file_name=upload.filename), default_field="ledger")
    if not outcome.saved:  # rolled back: nothing of the file stays
        return _page(person, problems=getattr(outcome.refusal, "problems", []), errors=outcome.errors,
                     status=outcome.status)
    result = outcome.value
    flash(ngettext("%(num)s record imported; it awaits review.", "%(num)s records imported; they await review.",
                   len(result.records)), "success")
    if result.facts_not_applied:
        flash(_("The file's facts about the person (%(facts)s) were not applied: record and verify them as "
                "qualifications on the member's record.", facts=", ".join(result.facts_not_applied)), "info")
    return redirect(url_for("ledger.review", person_id=person.id))
