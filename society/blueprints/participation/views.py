"""The participant's attendance page and certificate requests; the administrators' year-end issue."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from ...access import admin_society_id, requires_person, roles_required
from ...extensions import db
from ...models import Person, Society
from ...presentation.groups import LABELS
from ...presentation.rules import label_context
from ...schemas.base import load_form
from ...schemas.certificates import AttendanceYearSchema, FollowCredentialSchema
from ...services.accreditation.participant_credentials import credentials_of, follow, others_to_follow
from ...services.certificates import attendance as attendance_certificates, issuing
from ...services.errors import InvalidInput, NotFound
from ...services.groups import participation
from . import bp

bp.context_processor(label_context)  # the progress report's words for kinds and units


@bp.route("/portal/attendance")
@roles_required("member", "leader")
@requires_person
def mine():
    person_id, today = current_user.person_id, date.today()
    person = db.session.get(Person, person_id)
    certificates = list(db.session.scalars(issuing.of_person(person_id)))
    return render_template(
        "participation/mine.html", today=today, groups=participation.groups_of(person_id),
        years=participation.yearly_totals(person_id), sessions=participation.sessions_attended(person_id),
        credentials=credentials_of(person, today), societies=_names_of_societies(), labels=LABELS,
        certificates=[c for c in certificates if c.kind != "accreditation"], to_follow=others_to_follow(person_id))


def _names_of_societies() -> dict[int, str]:
    return dict(db.session.execute(db.select(Society.id, Society.name)).all())


def _year_form(source) -> dict:
    data, errors = load_form(AttendanceYearSchema(), source)
    if errors:
        raise InvalidInput(_("Give the year of the certificate."), errors=errors)
    return data


@bp.route("/portal/attendance/certificate", methods=["POST"])
@roles_required("member", "leader")
@requires_person
def year_certificate():
    """Issue (if needed) the year's attendance certificate of one society and download it."""
    data = _year_form(request.form)
    society = data["society_id"] and db.session.get(Society, data["society_id"])
    if not society:
        raise NotFound(_("No such society."))
    person = db.session.get(Person, current_user.person_id)
    certificate = attendance_certificates.issue_year(person, society, data["year"], date.today())
    db.session.commit()
    return redirect(url_for("certificates.download", number=certificate.number), 303)


@bp.route("/portal/attendance/credential/<int:rule_set_id>", methods=["POST"])
@roles_required("member", "leader")
@requires_person
def credential_certificate(rule_set_id: int):
    """Issue (if needed) a participant credential's certificate, only once its rule is met."""
    person = db.session.get(Person, current_user.person_id)
    certificate = attendance_certificates.issue_credential(person, rule_set_id, date.today())
    db.session.commit()
    return redirect(url_for("certificates.download", number=certificate.number), 303)


@bp.route("/portal/attendance/follow", methods=["POST"])
@roles_required("member", "leader")
@requires_person
def follow_credential():
    """Follow another society's participant credential (its progress then shows here)."""
    data, errors = load_form(FollowCredentialSchema(), request.form)
    if errors:
        raise InvalidInput(_("Choose a credential."), errors=errors)
    follow(current_user.person_id, data["rule_set_id"])
    db.session.commit()
    return redirect(url_for(".mine") + "#credentials", 303)


@bp.route("/admin/attendance-certificates", methods=["GET", "POST"])
@roles_required("admin")
def year_end():
    """Year-end: every participant of the society gets the year's attendance certificate; the
    batch page then prepares the PDFs with a progress bar and offers them as one zip."""
    today = date.today()
    if request.method == "GET":
        year = today.year - 1 if today.month < 7 else today.year
        due = db.session.scalar(db.select(db.func.count()).select_from(
            attendance_certificates.participants_due(admin_society_id(), year).subquery()))
        return render_template("participation/year_end.html", year=year, due=due, values={}, errors={})
    data = _year_form(request.form)
    issued = attendance_certificates.issue_year_end(admin_society_id(), data["year"], today)
    db.session.commit()
    if not issued:
        flash(_("No certificate was due."), "info")
        return redirect(url_for(".year_end"))
    flash(ngettext("%(num)s certificate issued.", "%(num)s certificates issued.", len(issued)), "success")
    return redirect(url_for("certificates.batch", on=today.isoformat()))
