"""A leader's own qualifications: read-only with their verification state; evidence may be attached.

Verifying is the society's: no portal page verifies, and the service refuses anyone's own."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ...access import requires_person, roles_required
from ...editing import commit_edit
from ...presentation.qualifications import qualification_labels
from ...schemas.base import load_form
from ...schemas.qualifications import QualificationEvidenceSchema
from ...services.errors import NotFound
from ...services.membership import qualifications
from ...services.training import evidence
from ..members.qualification_views import send_evidence
from . import bp


def _own_qualification_or_404(qualification_id: int):
    try:
        return qualifications.qualification_of(current_user.person_id, qualification_id)
    except NotFound:
        abort(404)


def _page(errors: dict | None = None, failed: int | None = None, status: int = 200):
    # One place beside the form shows every reason (the file, a stale version).
    errors = {"evidence": [str(m) for messages in (errors or {}).values() for m in messages]}
    return render_template("portal/qualifications.html", qualifications=qualifications.qualifications_of(
        current_user.person_id), errors=errors, failed=failed,
        evidence_limit=evidence.size_text(current_app.config["EVIDENCE_MAX_BYTES"]),
        **qualification_labels()), status


@bp.route("/qualifications")
@roles_required("leader")
@requires_person
def qualifications_page():
    return _page()


@bp.route("/qualifications/<int:qualification_id>/evidence", methods=["POST"])
@roles_required("leader")
@requires_person
def attach_evidence(qualification_id: int):
    qualification = _own_qualification_or_404(qualification_id)
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        return _page({"evidence": [_("The upload is too large; attach a smaller file.")]}, qualification_id, 413)
    data, errors = load_form(QualificationEvidenceSchema(), form)
    if errors:
        return _page(errors, qualification_id, 422)
    upload = files.get("evidence")
    upload = evidence.Upload(upload.filename, upload.stream) if upload is not None and upload.filename else None
    outcome = commit_edit(lambda: qualifications.attach_own_evidence(
        qualification, current_user.person, upload, data.get("version")), default_field="evidence")
    if outcome.saved:
        flash(_("Evidence attached; the society will verify the qualification."), "success")
        return redirect(url_for("portal.qualifications_page"))
    return _page(outcome.errors or {"evidence": [outcome.conflict]}, qualification_id, outcome.status)


@bp.route("/qualifications/<int:qualification_id>/evidence")
@roles_required("leader")
@requires_person
def qualification_evidence(qualification_id: int):
    return send_evidence(_own_qualification_or_404(qualification_id), None)
