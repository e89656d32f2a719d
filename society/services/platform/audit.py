"""The audit trail, written by a flush hook so no change can forget it.

Every insert, update and delete of an audited model adds one AuditEvent in the
same transaction, with the changed fields (old and new). Log-in events are
recorded explicitly with ``record``. Audit rows themselves can never be updated
or deleted through the application.
"""
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import AuditEvent
from ...models._base import utcnow

# Columns whose values never belong in the trail.
SECRET_COLUMNS = {"password_hash", "session_token", "totp_secret", "code_hash", "token_hash", "calendar_token_hash",
                  "secret"}
SKIPPED_COLUMNS = {"updated_at", "created_at", "version_id"}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    ip: str | None = None


SYSTEM = Actor(None, "system")
_actor: ContextVar[Actor] = ContextVar("audit_actor", default=SYSTEM)


def set_actor(actor: Actor):
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


def current_actor() -> Actor:
    return _actor.get()


@contextmanager
def acting_as(actor: Actor):
    """Attribute the writes flushed inside the block to ``actor`` (a log-in acts for its user
    before the request knows who is logged in)."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _society_of(obj) -> int | None:
    """The society a row belongs to, from loaded state only (no queries inside a flush)."""
    loaded = inspect(obj).dict
    if "society_id" in loaded:
        return loaded["society_id"]
    for parent in ("group", "membership", "accreditation", "rule_set", "version", "session"):
        related = loaded.get(parent)
        if related is not None:
            return _society_of(related)
    return None


def _entity_id(obj) -> int | None:
    identity = inspect(obj).identity
    if identity and len(identity) == 1 and isinstance(identity[0], int):
        return identity[0]
    value = getattr(obj, "id", None)
    return value if isinstance(value, int) else None


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SKIPPED_COLUMNS:
            continue
        history = state.attrs[key].history
        if action == "create":
            new = state.dict.get(key)
            if new is not None:
                changes[key] = [None, "***" if key in SECRET_COLUMNS else _plain(new)]
        elif action == "delete":
            old = state.dict.get(key)
            if old is not None:
                changes[key] = ["***" if key in SECRET_COLUMNS else _plain(old), None]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[key] = ["***", "***"] if key in SECRET_COLUMNS else [_plain(old), _plain(new)]
    return changes


def _event_for(obj, action: str, changes: dict) -> AuditEvent:
    actor = current_actor()
    return AuditEvent(
        actor_user_id=actor.user_id, actor_label=actor.label, ip=actor.ip, action=action,
        entity_type=type(obj).__name__, entity_id=_entity_id(obj), society_id=_society_of(obj),
        changes=json.dumps(changes, default=str) if changes else None,
    )


def _keep_old_value(_target, value, _oldvalue, _initiator):
    return value


@event.listens_for(db.Model, "mapper_configured", propagate=True)
def _load_old_values_on_change(mapper, cls):
    # An expired attribute changed without being read first would record no old value;
    # active history loads it, so the trail always says what a field was before.
    for attr in mapper.column_attrs:
        event.listen(getattr(cls, attr.key), "set", _keep_old_value, active_history=True, retval=True)


@event.listens_for(Session, "before_flush")
def _refuse_audit_tampering(session, _context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("Audit events cannot be changed or deleted.")


@event.listens_for(Session, "after_flush")
def _write_audit_trail(session, _context):
    # after_flush sees ids of new rows; the events are added to the same transaction.
    pending = []
    for obj in session.new:
        if not isinstance(obj, AuditEvent):
            pending.append(_event_for(obj, "create", _changes(obj, "create")))
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) or not session.is_modified(obj, include_collections=False):
            continue
        changes = _changes(obj, "update")
        if changes:
            pending.append(_event_for(obj, "update", changes))
    for obj in session.deleted:
        pending.append(_event_for(obj, "delete", _changes(obj, "delete")))
    if pending:
        session.add_all(pending)


def record(action: str, *, entity_type: str, entity_id: int | None = None, society_id: int | None = None,
           details: dict | None = None, actor: Actor | None = None) -> AuditEvent:
    """Record an event that is not a row change (log-in, log-out, a download)."""
    actor = actor or current_actor()
    audit_event = AuditEvent(
        actor_user_id=actor.user_id, actor_label=actor.label, ip=actor.ip, action=action,
        entity_type=entity_type, entity_id=entity_id, society_id=society_id,
        changes=json.dumps(details, default=str) if details else None,
    )
    db.session.add(audit_event)
    return audit_event


def history_of(entity_type: str, entity_id: int, limit: int = 200) -> list[AuditEvent]:
    return list(db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ))


def record_created(entity_type: str, rows: list[dict], society_id: int | None) -> None:
    """One "create" event per row written by bulk insert (work the flush hook does not see), in
    the form the hook writes: every non-empty column, old value None."""
    from .bulk import insert_rows

    actor = current_actor()
    now = utcnow()
    insert_rows(AuditEvent.__table__, [
        {"occurred_at": now, "actor_user_id": actor.user_id, "actor_label": actor.label, "ip": actor.ip,
         "action": "create", "entity_type": entity_type, "entity_id": row.get("id"), "society_id": society_id,
         "changes": json.dumps({key: [None, "***" if key in SECRET_COLUMNS else _plain(value)]
                                for key, value in row.items() if key not in SKIPPED_COLUMNS and value is not None},
                               default=str)}
        for row in rows], now)
