"""From the member's record: invite the person to a login, disable and re-enable it."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...schemas.accounts import InvitationSchema
from ...schemas.base import load_form
from ...services.errors import DomainError
from ...services.membership import members
from ...services.platform import logins
from . import bp


def _back(person_id: int):
    return redirect(url_for("members.detail", person_id=person_id) + "#login")


@bp.route("/<int:person_id>/login/invite", methods=["POST"])
@roles_required("admin")
def invite(person_id: int):
    membership = members.membership_of(admin_society_id(), person_id)
    data, errors = load_form(InvitationSchema(), request.form)
    if errors:
        flash(" ".join(message for messages in errors.values() for message in messages), "danger")
        return _back(person_id)
    outcome = commit_edit(lambda: _invite(membership.person, data["role"]))
    if not outcome.saved:
        flash(outcome.message, "danger")
        return _back(person_id)
    user, mail = outcome.value
    try:
        sent = logins.send(mail)
    except DomainError as error:
        flash(_("The login is ready but the invitation was not sent: %(reason)s Invite again.", reason=error.message),
              "danger")
        return _back(person_id)
    if sent:
        flash(_("Invitation sent to %(email)s.", email=user.email), "success")
    else:
        flash(_("E-mail is turned off (MAIL_ENABLED), so no invitation was sent."), "warning")
    return _back(person_id)


def _invite(person, role: str):
    user, token = logins.invite(person, role, admin_society_id())
    return user, logins.invitation_mail(user, token)


@bp.route("/<int:person_id>/login/disable", methods=["POST"])
@roles_required("admin")
def disable(person_id: int):
    return _set_enabled(person_id, False, _("The login is disabled; its sessions have ended."))


@bp.route("/<int:person_id>/login/enable", methods=["POST"])
@roles_required("admin")
def enable(person_id: int):
    return _set_enabled(person_id, True, _("The login is enabled again."))


def _set_enabled(person_id: int, enabled: bool, done: str):
    user = logins.login_in_society(admin_society_id(), person_id)
    outcome = commit_edit(lambda: logins.set_login_enabled(user, enabled, current_user._get_current_object()))
    if not outcome.saved:
        flash(outcome.message, "danger")
        return _back(person_id)
    flash(done, "success")
    return _back(person_id)
