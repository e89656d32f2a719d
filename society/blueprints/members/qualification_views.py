"""The member's qualifications, from their record page: add, edit, verify, remove, evidence.

Scoped like every member page: a person who is not a member of the administrator's society is a 404."""
from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ...access import admin_society_id, roles_required
from ...database import writing
from ...editing import commit_edit
from ...extensions import db
from ...models.qualifications import QUALIFICATION_CODES
from ...presentation.qualifications import QUALIFICATION_LABELS, qualification_labels
from ...schemas.base import load_form
from ...schemas.qualifications import QualificationSchema
from ...services.membership import members, qualifications
from ...services.training import evidence
from . import bp
from .views import _detail_page


def qualification_choices() -> list[tuple[str, str]]:
    return [(code, str(QUALIFICATION_LABELS[code])) for code in QUALIFICATION_CODES]


@bp.context_processor
def qualification_context() -> dict:
    return dict(qualification_labels(), qualification_choices=qualification_choices(),
                evidence_limit=evidence.size_text(current_app.config["EVIDENCE_MAX_BYTES"]))


def submitted_qualification():
    """(data, errors, what was typed) of a qualification form, the evidence file beside the fields."""
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        return None, {"evidence": [_("The upload is too large; attach a smaller file.")]}, {}
    data, errors = load_form(QualificationSchema(), form)
    upload = files.get("evidence")
    if data is not None and upload is not None and upload.filename:
        data["evidence"] = evidence.Upload(upload.filename, upload.stream)
    return data, errors, form.to_dict()


def _member_qualification(person_id: int, qualification_id: int):
    members.membership_of(admin_society_id(), person_id)  # 404 outside the society
    return qualifications.qualification_of(person_id, qualification_id)


def _to_record(person_id: int):
    return redirect(url_for("members.detail", person_id=person_id, _anchor="qualifications"))


@bp.route("/<int:person_id>/qualifications", methods=["POST"])
@roles_required("admin")
def add_qualification(person_id: int):
    membership = members.membership_of(admin_society_id(), person_id)
    data, errors, typed = submitted_qualification()
    status = 422
    if not errors:
        outcome = commit_edit(lambda: qualifications.add_qualification(
            membership.person, data, current_user._get_current_object()), default_field="code")
        if outcome.saved:
            flash(_("Qualification recorded; it counts once it is verified."), "success")
            return _to_record(person_id)
        errors, status = outcome.errors or {"code": [outcome.conflict]}, outcome.status
    return _detail_page(person_id, status, qualification_values=typed, qualification_errors=errors)


def _edit_values(qualification) -> dict:
    started = qualification.training_started_on
    return {"code": qualification.code, "obtained_on": qualification.obtained_on.isoformat(),
            "training_started_on": started.isoformat() if started else "",
            "note": qualification.note or "", "version": qualification.version_id}


@bp.route("/<int:person_id>/qualifications/<int:qualification_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_qualification(person_id: int, qualification_id: int):
    qualification = _member_qualification(person_id, qualification_id)
    values, errors, conflict, status = _edit_values(qualification), {}, None, 200
    if request.method == "POST":
        data, errors, values = submitted_qualification()
        status = 422
        if not errors:
            outcome = commit_edit(lambda: qualifications.update_qualification(qualification, data), _(
                "Someone else changed this qualification meanwhile; reload the page to see it."), default_field="code")
            if outcome.saved:
                flash(_("Qualification saved."), "success")
                return _to_record(person_id)
            errors, conflict, status = outcome.errors, outcome.conflict, outcome.status
            qualification = _member_qualification(person_id, qualification_id)
    person = members.membership_of(admin_society_id(), person_id).person
    return render_template("members/qualification_form.html", person=person, qualification=qualification,
                           values=values, errors=errors, conflict=conflict), status


@bp.route("/<int:person_id>/qualifications/<int:qualification_id>/verify", methods=["POST"])
@roles_required("admin")
def verify_qualification(person_id: int, qualification_id: int):
    qualification = _member_qualification(person_id, qualification_id)
    outcome = commit_edit(lambda: qualifications.verify(qualification, current_user._get_current_object()))
    if outcome.saved:
        flash(_("Qualification verified."), "success")
        return _to_record(person_id)
    flash(outcome.conflict or " ".join(str(m) for messages in outcome.errors.values() for m in messages), "danger")
    return _detail_page(person_id, outcome.status)


@bp.route("/<int:person_id>/qualifications/<int:qualification_id>/remove", methods=["POST"])
@roles_required("admin")
def remove_qualification(person_id: int, qualification_id: int):
    qualification = _member_qualification(person_id, qualification_id)
    qualifications.remove_qualification(qualification)
    db.session.commit()
    flash(_("Qualification removed."), "info")
    return _to_record(person_id)


@bp.route("/<int:person_id>/qualifications/<int:qualification_id>/evidence")
@roles_required("admin")
def qualification_evidence(person_id: int, qualification_id: int):
    qualification = _member_qualification(person_id, qualification_id)
    return send_evidence(qualification, admin_society_id())


def send_evidence(qualification, society_id: int | None):
    """The qualification's evidence file as a download, the download on the audit trail."""
    path = evidence.path_of(qualification.evidence_path)
    name, content_type = qualification.evidence_name, qualification.evidence_type
    db.session.commit()  # end the read transaction: the download is recorded in a writing one
    with writing():
        qualifications.note_download(qualification, society_id)
        db.session.commit()
    return send_file(path, mimetype=content_type, as_attachment=True, download_name=name, max_age=0)
