"""Logins for people in the registry: an administrator invites a member (leader, member or
administrator of the society), disables and re-enables the login. The CLI invites the same way.

An invited login has no usable password until the person follows the invitation's link.
Each action is an audit event beside the rows' own audit trail; no token or password is kept there.
"""
import logging
import secrets
import smtplib

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from ...extensions import db
from ...models import Membership, Person, Society, User
from ..errors import Conflict, DomainError, InvalidInput, NotFound
from . import account_links, audit
from .mailer import Mail, outbox

INVITABLE_ROLES = ("leader", "member", "admin")
UNUSABLE_PREFIX = "!"
log = logging.getLogger(__name__)


class MailNotSent(DomainError):
    status = 502


def unusable_password_hash() -> str:
    # Not an argon2 hash: verification fails for every password until one is set through a link.
    return UNUSABLE_PREFIX + secrets.token_urlsafe(32)


def login_of(person_id: int) -> User | None:
    return db.session.scalar(db.select(User).where(User.person_id == person_id))


def is_activated(user: User) -> bool:
    """Whether the login has a password (an invited login has none until its link is used)."""
    return not user.password_hash.startswith(UNUSABLE_PREFIX)


def login_in_society(society_id: int, person_id: int) -> User:
    """The login of a member of this society that its administrator may manage, or NotFound.
    An administrator of another society is not theirs to manage."""
    member = db.session.scalar(db.select(Membership.id).where(Membership.society_id == society_id,
                                                              Membership.person_id == person_id).limit(1))
    user = login_of(person_id) if member else None
    if user is None or (user.role == "admin" and user.society_id != society_id):
        raise NotFound(gettext("This member has no login you can manage."))
    return user


def invite(person: Person, role: str, society_id: int) -> tuple[User, str]:
    """Create (or renew, while never used) the person's login with ``role`` in the society and
    issue an invitation link; returns the login and the link's token. The caller commits, then sends."""
    if role not in INVITABLE_ROLES:
        raise InvalidInput(gettext("Choose a role."), field="role")
    if not person.email:
        raise InvalidInput(gettext("Add an e-mail address to the member first; the invitation is sent there."),
                           field="role")
    email = person.email.strip().lower()
    user = login_of(person.id)
    if user is not None and is_activated(user):
        raise Conflict(gettext("%(name)s has a login already.", name=person.full_name), field="role")
    others = db.select(User.id).where(User.email == email)
    if user is not None:
        others = others.where(User.id != user.id)
    if db.session.scalar(others):
        raise Conflict(gettext("Another login uses %(email)s already.", email=email), field="role")
    if user is None:
        user = User(email=email, person_id=person.id, password_hash=unusable_password_hash(),
                    role=role, society_id=society_id)
        db.session.add(user)
    else:
        user.email, user.role, user.society_id, user.is_enabled = email, role, society_id, True
    db.session.flush()
    token = account_links.issue(user, "invite")
    audit.record("invitation_sent", entity_type="User", entity_id=user.id, society_id=society_id,
                 details={"email": email, "role": role, "person_id": person.id})
    return user, token


def invitation_mail(user: User, token: str) -> Mail:
    person, society = user.person, db.session.get(Society, user.society_id)
    context = dict(name=person.given_name if person else user.email, society=society.name,
                   link=account_links.url_for_token("invite", token),
                   hours=current_app.config["INVITATION_HOURS"], role=user.role)
    with force_locale((person.language if person else None) or society.default_language or "en"):
        return Mail((user.email,), gettext("Your login to the %(society)s registry", society=society.name),
                    render_template("mail/invitation.txt", **context),
                    render_template("mail/invitation.html", **context))


def send(mail: Mail) -> bool:
    """Send one message; False when e-mail is turned off. Raises MailNotSent when the server refuses."""
    try:
        with outbox() as box:
            return box.send(mail)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("E-mail to %s not sent: %s", ", ".join(mail.to), error)
        raise MailNotSent(gettext("The e-mail could not be sent; try again later.")) from error


def set_login_enabled(user: User, enabled: bool, by: User | None) -> None:
    """Disable (every session ends, log-in refused) or re-enable a login; never one's own."""
    if by is not None and by.id == user.id and not enabled:
        raise InvalidInput(gettext("You cannot disable your own login."))
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    user.rotate_session_token()
    audit.record("login_enabled" if enabled else "login_disabled", entity_type="User", entity_id=user.id,
                 society_id=user.society_id, details={"email": user.email})


def person_for_cli(email: str, society_code: str | None) -> tuple[Person, int]:
    """The person with this e-mail and the society to invite them to (their only one, or the one named)."""
    person = db.session.scalar(db.select(Person).where(db.func.lower(Person.email) == email.strip().lower()))
    if person is None:
        raise NotFound(gettext("No one in the registry has the e-mail address %(email)s.", email=email))
    societies = db.session.execute(
        db.select(Society.id, Society.code).join(Membership, Membership.society_id == Society.id)
        .where(Membership.person_id == person.id)
    ).all()
    if society_code:
        societies = [row for row in societies if row.code == society_code]
    if len(societies) != 1:
        raise InvalidInput(gettext("Name the society with --society: %(email)s is a member of none or several.",
                                   email=email) if not society_code else
                           gettext("%(email)s is not a member of %(code)s.", email=email, code=society_code))
    return person, societies[0].id
