"""Where webhook events come from, each written to the outbox in the transaction of its change.

- group.created / group.changed / group.closed: a flush hook on ``Group`` rows, whichever service
  wrote them (the group form, an import); closed when its status became "closed".
- accreditation.granted / expired / suspended / revoked: the lifecycle's signals (a renewal is a
  grant too); certificate.revoked: every certificate of a revoked accreditation (verification
  then says "revoked"), and ``certificates.issuing.revoke`` for one certificate.
- group.accreditation_lost / regained: the lapse scan (``services/flags/lapse.py``) raising or
  resolving a group's ``group_unaccredited`` flag; it calls ``emit`` itself.
"""
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ... import signals
from ...models import Accreditation, Certificate, Group, RuleSet, RuleSetVersion
from .webhooks import emit

ACCREDITATION_EVENTS = {"grant": "accreditation.granted", "renew": "accreditation.granted",
                        "expire": "accreditation.expired", "suspend": "accreditation.suspended",
                        "revoke": "accreditation.revoked"}


def group_data(group: Group) -> dict:
    return {"group": {"id": group.id, "name": group.name, "status": group.status, "city": group.city,
                      "country": group.country, "format": group.format, "language": group.language}}


# A transaction's group events, by group: one event per group and commit, the strongest kind wins.
PENDING_GROUPS = "webhook_group_events"
STRENGTH = {"group.changed": 0, "group.created": 1, "group.closed": 2}


@event.listens_for(Session, "after_flush")
def _note_group_changes(session, _context):
    noted = [(group, "group.created") for group in session.new if isinstance(group, Group)]
    for group in session.dirty:
        if not isinstance(group, Group) or not session.is_modified(group, include_collections=False):
            continue
        status = inspect(group).attrs.status.history
        closed = group.status == "closed" and status.deleted and status.deleted[0] != "closed"
        noted.append((group, "group.closed" if closed else "group.changed"))
    if not noted:
        return
    pending = session.info.setdefault(PENDING_GROUPS, {})
    for group, event_type in noted:
        earlier = pending.get(group.id)
        if earlier is not None and STRENGTH[earlier[0]] > STRENGTH[event_type]:
            event_type = earlier[0]
        pending[group.id] = (event_type, group.society_id, group_data(group))


@event.listens_for(Session, "before_commit")
def _write_group_events(session):
    # Flushed first, so the commit's own last changes are noted; the events then join the transaction.
    if not session.info.get(PENDING_GROUPS):
        return
    session.flush()
    by_type: dict[str, list] = {}
    for event_type, society_id, data in session.info.pop(PENDING_GROUPS).values():
        by_type.setdefault(event_type, []).append((society_id, data))
    connection = session.connection()
    for event_type, items in by_type.items():
        emit(event_type, items, connection=connection)


@event.listens_for(Session, "after_soft_rollback")
def _forget_group_changes(session, _previous_transaction):
    session.info.pop(PENDING_GROUPS, None)


def _society_of(accreditation: Accreditation, session) -> int:
    return session.scalar(select(RuleSet.society_id).join(RuleSetVersion, RuleSetVersion.rule_set_id == RuleSet.id)
                          .where(RuleSetVersion.id == accreditation.rule_set_version_id))


def accreditation_data(accreditation: Accreditation, action: str, on) -> dict:
    return {"accreditation": {"id": accreditation.id, "person_id": accreditation.person_id,
                              "status": accreditation.status, "granted_on": accreditation.granted_on,
                              "expires_on": accreditation.expires_on, "invalid_from": accreditation.invalid_from,
                              "public_reason": accreditation.public_reason},
            "action": action, "on": on}


def _accreditation_event(accreditation: Accreditation, action: str, on, **_kwargs) -> None:
    from ...extensions import db

    event_type = ACCREDITATION_EVENTS.get(action)
    if event_type is None:
        return
    society_id = _society_of(accreditation, db.session)
    emit(event_type, [(society_id, accreditation_data(accreditation, action, on))])
    if action == "revoke":
        numbers = db.session.scalars(select(Certificate.number).where(
            Certificate.accreditation_id == accreditation.id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.id)).all()
        emit("certificate.revoked", [(society_id, certificate_data(number, accreditation.id, on,
                                                                   accreditation.public_reason))
                                     for number in numbers])


def certificate_data(number: str, accreditation_id: int, on, reason: str | None) -> dict:
    return {"certificate": {"number": number, "accreditation_id": accreditation_id, "revoked_on": on,
                            "reason": reason}}


@signals.accreditation_granted.connect
def _granted(accreditation, **kwargs):
    _accreditation_event(accreditation, **kwargs)


@signals.accreditation_changed.connect
def _changed(accreditation, **kwargs):
    _accreditation_event(accreditation, **kwargs)
