"""Reading the audit trail: the society-wide page's query and each event's changes.

Writing it is ``services/platform/audit.py``'s job (the flush hook). A society's trail holds the
events tagged with its id, and the events of the people who are its members (a person
belongs to no single society, so their rows carry none).
"""
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, or_, select

from ...models import AuditEvent, Membership
from .exports import batches
from .text_search import contains


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object
    is_change: bool  # old -> new of a row change; False for the details of other events


def changes_of(event: AuditEvent) -> list[Change]:
    """The fields an event changed (old -> new), or the details a non-row event carries."""
    if not event.changes:
        return []
    try:
        data = json.loads(event.changes)
    except ValueError:
        return [Change("details", None, event.changes, False)]
    if not isinstance(data, dict):
        return [Change("details", None, data, False)]
    result = []
    for field, value in sorted(data.items()):
        if isinstance(value, list) and len(value) == 2 and event.action in ("create", "update", "delete"):
            result.append(Change(field, value[0], value[1], True))
        else:
            result.append(Change(field, None, value, False))
    return result


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str | None = None
    action: str | None = None
    actor: str | None = None  # part of the actor's e-mail or label
    date_from: date | None = None
    date_to: date | None = None  # inclusive


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def society_trail(society_id: int, filters: AuditFilters):
    """SELECT of the society's audit events matching ``filters``, newest first."""
    members = select(Membership.person_id).where(Membership.society_id == society_id)
    statement = select(AuditEvent).where(or_(
        AuditEvent.society_id == society_id,
        and_(AuditEvent.entity_type == "Person", AuditEvent.society_id.is_(None), AuditEvent.entity_id.in_(members)),
    ))
    if filters.entity_type:
        statement = statement.where(AuditEvent.entity_type == filters.entity_type)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.actor:
        statement = statement.where(contains(AuditEvent.actor_label, filters.actor))
    if filters.date_from:
        statement = statement.where(AuditEvent.occurred_at >= _start_of(filters.date_from))
    if filters.date_to:
        statement = statement.where(AuditEvent.occurred_at < _start_of(filters.date_to + timedelta(days=1)))
    return statement.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


EXPORT_COLUMNS = ("occurred_at", "actor", "action", "entity_type", "entity_id", "changes")


def changes_text(event: AuditEvent) -> str:
    """An event's changes on one line, as the page lists them: "field: old -> new; field: value"."""
    parts = []
    for change in changes_of(event):
        if change.is_change:
            old = "" if change.old is None else change.old
            new = "" if change.new is None else change.new
            parts.append(f"{change.field}: {old} -> {new}")
        else:
            parts.append(f"{change.field}: {json.dumps(change.new) if isinstance(change.new, (dict, list)) else change.new}")
    return "; ".join(parts)


def export_rows(society_id: int, filters: AuditFilters) -> Iterator[list]:
    """Every event the page lists for ``filters``, in its order, in EXPORT_COLUMNS order."""
    for events in batches(society_trail(society_id, filters)):
        for event in events:
            yield [event.occurred_at, event.actor_label, event.action, event.entity_type, event.entity_id,
                   changes_text(event)]
