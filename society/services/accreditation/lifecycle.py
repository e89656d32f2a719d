"""The accreditation lifecycle: start, apply, grant or reject, renew, suspend, revoke,
reinstate, expire, move to another rule-set version.

Each step checks that it is allowed from the current status (one table, ``TRANSITIONS``,
which the administrator's page reads for its buttons too), changes the accreditation,
records an AccreditationDecision (who, when, why) and sends a domain signal
(``accreditation_granted`` on grant and renew, ``accreditation_changed`` otherwise).
Functions flush; the caller commits.

    in_training --apply--> applied --grant--> granted --suspend--> suspended --reinstate--> granted
         ^                    |                  |  \\--revoke--> revoked <--revoke--/
         \\---(re-apply)-- rejected              |--expire--> expired --renew--> granted
"""
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask_babel import gettext as _, lazy_gettext as _l

from ...formatting import format_day, translated
from ... import signals
from ...extensions import db
from ...models import Accreditation, AccreditationDecision, Membership, Person, RuleSet, RuleSetVersion, User
from ...models._base import utcnow
from ...presentation.accreditation import STATUS_LABELS
from ..platform import audit
from ..errors import Conflict, DomainError, Forbidden, InvalidInput
from .evaluator import add_months
from ..training.progress import progress_for
from .rulesets import version_in_force

# Pathways that still count: a person cannot start a second one on the same rule set.
OPEN_STATUSES = ("in_training", "applied", "rejected", "granted", "suspended", "expired")


class TransitionRefused(Conflict):
    title = _l("Not possible now")


class RequirementsNotMet(DomainError):
    status = 422
    title = _l("Requirements not met")


@dataclass(frozen=True)
class Transition:
    """What an action needs: the statuses it is allowed from, whether it needs a reason, and
    whether the page asks "are you sure?" before sending it."""

    from_statuses: tuple[str, ...]
    reason_required: bool = False
    confirm: bool = False


# The one table of the lifecycle: each step checks it (``_require``) and the administrator's
# page offers exactly the actions it allows from the current status, in this order.
TRANSITIONS = {
    "apply": Transition(("in_training", "rejected")),
    "grant": Transition(("applied",)),
    "reject": Transition(("applied",), reason_required=True, confirm=True),
    "renew": Transition(("granted", "expired"), confirm=True),
    "suspend": Transition(("granted",), reason_required=True, confirm=True),
    "reinstate": Transition(("suspended",)),
    "revoke": Transition(("granted", "suspended"), reason_required=True, confirm=True),
    "expire": Transition(("granted", "suspended"), confirm=True),
    "move_version": Transition(("in_training", "applied", "rejected"), reason_required=True),
}
# Actions that only make sense where the rule-set version sets a validity period.
VALIDITY_ACTIONS = ("renew", "expire")


def society_id_of(accreditation: Accreditation) -> int:
    return accreditation.rule_set_version.rule_set.society_id


# -- the steps ---------------------------------------------------------------------

def member_of(society_id: int, person_id: int) -> Person | None:
    return db.session.scalar(db.select(Person).join(Membership).where(
        Person.id == person_id, Membership.society_id == society_id))


def rule_sets_of(society_id: int) -> list[RuleSet]:
    """The society's leader rule sets: the ones a pathway can start on (a participant's credential is
    evaluated from attendance, never started)."""
    return list(db.session.scalars(db.select(RuleSet).where(RuleSet.society_id == society_id,
                                                            RuleSet.audience == "leader").order_by(RuleSet.code)))


def start_pathway_for_member(society_id: int, person_id: int, rule_set_id: int, training_started_on: date,
                             *, by: User, reason: str | None = None) -> "Accreditation":
    """An administrator starts a member of their society on one of its rule sets (``start_pathway``);
    anyone or anything of another society is refused by field."""
    person = member_of(society_id, person_id)
    if person is None:
        raise InvalidInput(_("Choose a member of your society."), field="person_id")
    rule_set = db.session.scalar(db.select(RuleSet).where(RuleSet.id == rule_set_id, RuleSet.society_id == society_id,
                                                          RuleSet.audience == "leader"))
    if rule_set is None:
        raise InvalidInput(_("Choose one of your society's rule sets."), field="rule_set_id")
    return start_pathway(person, rule_set, training_started_on, by=by, reason=reason)


def start_pathway(person: Person, rule_set: RuleSet, on: date, by: User | None = None,
                  reason: str | None = None) -> Accreditation:
    """Put ``person`` on the version of ``rule_set`` in force on ``on`` (the day training started)."""
    _check_actor(by, rule_set.society_id)
    is_member = db.session.scalar(db.select(Membership.id).where(
        Membership.person_id == person.id, Membership.society_id == rule_set.society_id).limit(1))
    if is_member is None:
        raise DomainError(_("%(name)s is not a member of the society that owns this rule set.", name=person.full_name))
    version = version_in_force(rule_set, on)
    if version is None:
        raise DomainError(_("No version of %(title)s is in force on %(day)s.", title=translated(rule_set, "credential_title"),
                            day=format_day(on)), field="training_started_on")
    existing = db.session.scalar(
        db.select(Accreditation).join(RuleSetVersion)
        .where(Accreditation.person_id == person.id, RuleSetVersion.rule_set_id == rule_set.id,
               Accreditation.status.in_(OPEN_STATUSES)).limit(1))
    if existing is not None:
        raise TransitionRefused(_("%(name)s is already on this pathway (status: %(status)s).",
                                  name=person.full_name, status=existing.status))
    accreditation = Accreditation(person=person, rule_set_version=version, status="in_training",
                                  training_started_on=on)
    db.session.add(accreditation)
    _decide(accreditation, "start", None, by, reason or _("Pathway started on version %(label)s.", label=version.label))
    _changed(accreditation, "start", on, reason)
    return accreditation


def apply(accreditation: Accreditation, on: date, by: User | None = None, reason: str | None = None) -> Accreditation:
    """Apply for the credential. A leader may apply only when the evaluator says every
    requirement is met; an administrator may enter an application on a candidate's behalf."""
    _require(accreditation, "apply")
    on_behalf = by is not None and by.role == "admin"
    if on_behalf:
        _check_actor(by, society_id_of(accreditation))
    elif by is not None and by.person_id != accreditation.person_id:
        raise Forbidden(_("You can only apply for your own accreditation."))
    report = progress_for(accreditation, on)
    if not report.met and not on_behalf:
        raise RequirementsNotMet(_("Not every requirement is met yet (%(met)s of %(all)s); see your progress.",
                                   met=report.clauses_met, all=len(report.clauses)))
    accreditation.applied_at = utcnow()
    _decide(accreditation, "apply", "applied", by, reason)
    _changed(accreditation, "apply", on, reason)
    return accreditation


def grant(accreditation: Accreditation, by: User, reason: str | None, on: date) -> Accreditation:
    """Grant the credential from ``on``; it expires after the version's validity, if it sets one."""
    _require(accreditation, "grant")
    _check_admin(by, accreditation)
    _check_not_own(by, accreditation)
    validity = accreditation.rule_set_version.validity_months
    accreditation.granted_on = on
    accreditation.expires_on = add_months(on, validity) if validity else None
    accreditation.invalid_from = None
    accreditation.public_reason = None
    _decide(accreditation, "grant", "granted", by, reason, expires_on=accreditation.expires_on)
    signals.accreditation_granted.send(accreditation, action="grant", on=on, actor=audit.current_actor())
    return accreditation


def reject(accreditation: Accreditation, by: User, reason: str, on: date) -> Accreditation:
    _require(accreditation, "reject")
    _check_admin(by, accreditation)
    _need_reason("reject", reason)
    _decide(accreditation, "reject", "rejected", by, reason)
    _changed(accreditation, "reject", on, reason)
    return accreditation


def renewal_restarts(accreditation: Accreditation, on: date) -> bool:
    """Whether a renewal on ``on`` starts validity afresh (the credential had expired)."""
    current = accreditation.expires_on
    return accreditation.status == "expired" or current is None or current < on


def renewed_expiry(accreditation: Accreditation, on: date) -> date | None:
    """The expiry a renewal on ``on`` would give: one validity period from the current expiry
    when renewed before it, from ``on`` when it had expired. None: no validity period."""
    validity = accreditation.rule_set_version.validity_months
    if not validity:
        return None
    return add_months(on if renewal_restarts(accreditation, on) else accreditation.expires_on, validity)


def renew(accreditation: Accreditation, by: User, reason: str | None, on: date) -> Accreditation:
    """A new expiry date (``renewed_expiry``). A credential already valid for a full period
    from ``on`` is not renewed again, so a second renewal on a day never stacks validity."""
    _require(accreditation, "renew")
    _check_admin(by, accreditation)
    _check_not_own(by, accreditation)
    validity = accreditation.rule_set_version.validity_months
    if not validity:
        raise TransitionRefused(_("This rule set sets no validity period, so there is nothing to renew."))
    current = accreditation.expires_on
    if not renewal_restarts(accreditation, on) and current >= add_months(on, validity):
        raise TransitionRefused(_("This accreditation is already valid until %(day)s, a full validity period from "
                                  "%(on)s; it was renewed already.", day=current.isoformat(), on=on.isoformat()))
    expires_on = renewed_expiry(accreditation, on)
    if renewal_restarts(accreditation, on):
        accreditation.granted_on = on
    accreditation.expires_on = expires_on
    _decide(accreditation, "renew", "granted", by, reason, expires_on=accreditation.expires_on)
    signals.accreditation_granted.send(accreditation, action="renew", on=on, actor=audit.current_actor())
    return accreditation


def suspend(accreditation: Accreditation, by: User, reason: str, on: date,
            public_reason: str | None = None) -> Accreditation:
    """Stop validity from ``on`` until reinstated."""
    _require(accreditation, "suspend")
    _check_admin(by, accreditation)
    _need_reason("suspend", reason)
    accreditation.invalid_from = on
    accreditation.public_reason = public_reason
    _decide(accreditation, "suspend", "suspended", by, reason)
    _changed(accreditation, "suspend", on, reason)
    return accreditation


def revoke(accreditation: Accreditation, by: User, reason: str, on: date,
           public_reason: str | None = None) -> Accreditation:
    """End validity for good from ``on`` (or from an earlier suspension)."""
    _require(accreditation, "revoke")
    _check_admin(by, accreditation)
    _need_reason("revoke", reason)
    if accreditation.invalid_from is None or accreditation.invalid_from > on:
        accreditation.invalid_from = on
    accreditation.public_reason = public_reason or accreditation.public_reason
    _decide(accreditation, "revoke", "revoked", by, reason)
    _changed(accreditation, "revoke", on, reason)
    return accreditation


def reinstate(accreditation: Accreditation, by: User, reason: str | None, on: date) -> Accreditation:
    _require(accreditation, "reinstate")
    _check_admin(by, accreditation)
    _check_not_own(by, accreditation)
    accreditation.invalid_from = None
    accreditation.public_reason = None
    _decide(accreditation, "reinstate", "granted", by, reason)
    _changed(accreditation, "reinstate", on, reason)
    return accreditation


def expire(accreditation: Accreditation, on: date, by: User | None = None, reason: str | None = None) -> Accreditation:
    """Mark a credential whose expiry date has passed as expired (the lapse scan passes no ``by``)."""
    _require(accreditation, "expire")
    if by is not None:
        _check_admin(by, accreditation)
    if accreditation.expires_on is None or accreditation.expires_on >= on:
        when = format_day(accreditation.expires_on) if accreditation.expires_on else _("never")
        raise TransitionRefused(_("This accreditation expires %(when)s, not before; suspend or revoke it to end it "
                                  "early.", when=when))
    _decide(accreditation, "expire", "expired", by, reason or _("Expired on %(day)s.",
                                                               day=format_day(accreditation.expires_on)))
    _changed(accreditation, "expire", on, reason)
    return accreditation


def move_version(accreditation: Accreditation, version: RuleSetVersion, by: User, reason: str,
                 on: date) -> Accreditation:
    """Move a candidate to another version of the same rule set (grandfathering is the default)."""
    _require(accreditation, "move_version")
    _check_admin(by, accreditation)
    _check_not_own(by, accreditation)
    _need_reason("move_version", reason)
    current = accreditation.rule_set_version
    if version.rule_set_id != current.rule_set_id:
        raise DomainError(_("Choose a version of the same rule set."), field="version_id")
    if version.id == current.id:
        raise DomainError(_("The candidate is on version %(label)s already.", label=version.label), field="version_id")
    accreditation.rule_set_version = version
    note = _("Moved from version %(old)s to %(new)s: %(reason)s", old=current.label, new=version.label, reason=reason)
    _decide(accreditation, "move_version", accreditation.status, by, note)
    _changed(accreditation, "move_version", on, reason)
    return accreditation


def actions_for(accreditation: Accreditation) -> tuple[str, ...]:
    """What an administrator may do now, read from ``TRANSITIONS`` (the steps check the same table)."""
    has_validity = bool(accreditation.rule_set_version.validity_months)
    return tuple(action for action, transition in TRANSITIONS.items()
                 if accreditation.status in transition.from_statuses
                 and (has_validity or action not in VALIDITY_ACTIONS))


# -- the parts ---------------------------------------------------------------------

# What a refused step is called in "... cannot %(step)s": the verb alone, in the reader's language.
STEP_NAMES = {"apply": _l("apply"), "grant": _l("grant"), "reject": _l("reject"), "renew": _l("renew"),
              "suspend": _l("suspend"), "revoke": _l("revoke"), "reinstate": _l("reinstate"), "expire": _l("expire"),
              "move_version": _l("move to another version")}


def _require(accreditation: Accreditation, step: str) -> None:
    allowed = TRANSITIONS[step].from_statuses
    if accreditation.status not in allowed:
        raise TransitionRefused(_("An accreditation that is %(status)s cannot %(step)s (only when %(allowed)s).",
                                  status=STATUS_LABELS[accreditation.status], step=STEP_NAMES[step],
                                  allowed=_(" or ").join(str(STATUS_LABELS[s]) for s in allowed)))


def _check_actor(by: User | None, society_id: int) -> None:
    if by is not None and by.role == "admin" and by.society_id != society_id:
        raise Forbidden(_("Administrators act for their own society only."))


def _check_admin(by: User | None, accreditation: Accreditation) -> None:
    if by is None or by.role != "admin":
        raise Forbidden(_("Only an administrator of the society decides on accreditations."))
    _check_actor(by, society_id_of(accreditation))


def _check_not_own(by: User, accreditation: Accreditation) -> None:
    """Nobody grants, renews, reinstates or re-bases their own credential."""
    if by.person_id is not None and by.person_id == accreditation.person_id:
        raise Forbidden(_("You cannot decide on your own accreditation; another administrator must."))


def _need_reason(step: str, reason: str | None) -> None:
    if TRANSITIONS[step].reason_required and (not reason or not reason.strip()):
        raise DomainError(_("Give a reason; it is kept in the accreditation's history."), field="reason")


def _decide(accreditation: Accreditation, action: str, to_status: str | None, by: User | None,
            reason: str | None, expires_on: date | None = None) -> AccreditationDecision:
    before = accreditation.status if action != "start" else None
    if to_status is not None:
        accreditation.status = to_status
    if by is not None and by.role == "admin":
        accreditation.decided_by_id = by.id
    if reason and action not in ("start", "apply"):
        accreditation.decision_reason = reason
    decision = AccreditationDecision(
        accreditation=accreditation, action=action, from_status=before, to_status=accreditation.status,
        decided_by_id=by.id if by is not None else None, decided_at=datetime.now(timezone.utc),
        reason=reason, expires_on=expires_on)
    db.session.add(decision)
    db.session.flush()
    return decision


def _changed(accreditation: Accreditation, action: str, on: date, reason: str | None) -> None:
    signals.accreditation_changed.send(accreditation, action=action, on=on, reason=reason)
