"""A member's pages: my membership (status, category, dues per period, invoices and receipts),
my contact details, and the unsubscribe link of the renewal reminders."""
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import public, requires_person, roles_required
from ...editing import commit_edit
from ...extensions import db
from ...schemas.base import load_form
from ...schemas.dues import ContactSchema, SubscriptionSchema
from ...services.membership import invoices, payments, renewal_reminders, self_service
from ...presentation.members import all_labels
from . import bp

ROLES = ("member", "leader")


@bp.context_processor
def labels():
    return all_labels()


@bp.route("")
@roles_required(*ROLES)
@requires_person
def overview():
    today = date.today()
    mine = self_service.memberships_of(current_user.person_id, today)
    instructions = {dues.id: payments.provider_for(m.membership.society_id).instructions(dues)
                    for m in mine for dues in m.dues if dues.paid_on is None}
    return render_template("membership/overview.html", memberships=mine, person=current_user.person,
                           instructions=instructions, today=today)


def _contact_values(person) -> dict:
    values = {key: getattr(person, key) or "" for key in self_service.CONTACT_FIELDS}
    values["version"] = person.version_id
    return values


@bp.route("/contact", methods=["GET", "POST"])
@roles_required(*ROLES)
@requires_person
def contact():
    person = current_user.person
    values, errors, status, conflict = _contact_values(person), {}, 200, None
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(ContactSchema(), request.form)
        status = 422 if errors else 200
        if not errors:
            outcome = commit_edit(lambda: self_service.update_contact(person, data))
            errors, conflict, status = outcome.errors, outcome.conflict, outcome.status
            if outcome.saved:
                flash(_("Your contact details have been saved."), "success")
                return redirect(url_for(".overview"))
    return render_template("membership/contact.html", values=values, errors=errors, conflict=conflict), status


def _pdf(dues_id: int, *, receipt: bool) -> Response:
    dues = invoices.dues_of_person(current_user.person_id, dues_id)
    body = invoices.pdf(dues, receipt=receipt)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{invoices.filename(dues, receipt=receipt)}"'
    return response


@bp.route("/dues/<int:dues_id>/invoice.pdf")
@roles_required(*ROLES)
@requires_person
def invoice(dues_id: int):
    return _pdf(dues_id, receipt=False)


@bp.route("/dues/<int:dues_id>/receipt.pdf")
@roles_required(*ROLES)
@requires_person
def receipt(dues_id: int):
    return _pdf(dues_id, receipt=True)


@bp.route("/reminders", methods=["POST"])
@roles_required(*ROLES)
@requires_person
def reminders():
    data, errors = load_form(SubscriptionSchema(), request.form)
    if errors:
        abort(400)
    renewal_reminders.set_subscribed(current_user.person, data["subscribed"], date.today())
    db.session.commit()
    flash(_("You will be reminded before your dues fall due.") if data["subscribed"]
          else _("You will no longer be reminded before your dues fall due."), "success")
    return redirect(url_for(".overview"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """The link in a reminder: a page with one button (a GET changes nothing), then done."""
    person = renewal_reminders.person_for_token(token)
    if person is None:
        abort(404)
    done = False
    if request.method == "POST":
        renewal_reminders.set_subscribed(person, False, date.today())
        db.session.commit()
        done = True
    return render_template("membership/unsubscribe.html", done=done, token=token)
