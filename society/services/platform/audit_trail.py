"""Reading the audit trail: the society-wide page's query, each event's changes, and every
history as people read it (``readable``: labelled fields, formatted values, names, the real actor).

Writing it is ``services/platform/audit.py``'s job (the flush hook). A society's trail holds the
events tagged with its id, and the events of the people who are its members (a person
belongs to no single society, so their rows carry none).
"""
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import format_decimal, gettext as _
from sqlalchemy import Boolean, Date, DateTime, Numeric, String, and_, cast, func, literal, or_, select, union_all

from ...extensions import db
from ...formatting import format_day, format_moment
from ...models import (
    Accreditation, AuditEvent, Group, GroupSession, Membership, Person, RuleSet, RuleSetVersion, Society, User,
)
from ...presentation import audit as catalogue
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


# ---- Reading a history -------------------------------------------------------------------------

@dataclass(frozen=True)
class ReadableChange:
    label: str
    old: str | None
    new: str | None
    is_change: bool  # old -> new of a row change; False for the details of other events


@dataclass(frozen=True)
class ReadableEvent:
    id: int
    when: str
    actor: str
    what: str  # "Group added"
    subject: str | None  # the record's name, or #id when it has none to show
    changes: tuple[ReadableChange, ...]
    raw: str  # what the trail holds, for the "raw data" toggle


def _person_name():
    return Person.given_name + " " + Person.family_name


def _named(table: str, id_column, name):
    return select(literal(table, String).label("kind"), id_column.label("id"), name.label("name"))


# How a referenced row is named, by its table: one SELECT of (table, id, name) each, run as one UNION.
_NAMERS = {
    "people": lambda t: _named(t, Person.id, _person_name()),
    "users": lambda t: _named(t, User.id, func.coalesce(_person_name(), User.email)).outerjoin(
        Person, Person.id == User.person_id),
    "groups": lambda t: _named(t, Group.id, Group.name),
    "societies": lambda t: _named(t, Society.id, Society.name),
    "rule_sets": lambda t: _named(t, RuleSet.id, RuleSet.credential_title),
    "rule_set_versions": lambda t: _named(t, RuleSetVersion.id, RuleSet.credential_title + " " + RuleSetVersion.label)
    .join(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id),
    "memberships": lambda t: _named(t, Membership.id, _person_name()).join(Person, Person.id == Membership.person_id),
    "accreditations": lambda t: _named(t, Accreditation.id, _person_name())
    .join(Person, Person.id == Accreditation.person_id),
    "group_sessions": lambda t: _named(t, GroupSession.id, Group.name + " " + cast(GroupSession.held_on, String))
    .join(Group, Group.id == GroupSession.group_id),
}
_ID_COLUMNS = {"people": Person.id, "users": User.id, "groups": Group.id, "societies": Society.id,
               "rule_sets": RuleSet.id, "rule_set_versions": RuleSetVersion.id, "memberships": Membership.id,
               "accreditations": Accreditation.id, "group_sessions": GroupSession.id}


@cache
def _columns(entity_type: str) -> dict:
    """The columns of a record type by attribute name (empty for names no model has)."""
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == entity_type:
            return {attr.key: attr.columns[0] for attr in mapper.column_attrs}
    return {}


@cache
def _table_of(entity_type: str) -> str | None:
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == entity_type:
            return mapper.local_table.name
    return None


def _referenced_table(entity_type: str, field: str) -> str | None:
    column = _columns(entity_type).get(field)
    if column is None or not column.foreign_keys:
        return None
    return next(iter(column.foreign_keys)).column.table.name


def _acting_user_id(event: AuditEvent) -> int | None:
    """Who acted. A log-in updates its own account before anyone is logged in; those rows were
    written as "anonymous" and belong to the user who logged in."""
    if event.actor_user_id is not None:
        return event.actor_user_id
    if (event.entity_type == "User" and event.action == "update" and event.actor_label == "anonymous"
            and event.entity_id is not None and set(_data(event)) <= catalogue.LOGIN_FIELDS):
        return event.entity_id
    return None


def _data(event: AuditEvent) -> dict:
    if not event.changes:
        return {}
    try:
        data = json.loads(event.changes)
    except ValueError:
        return {"details": event.changes}
    return data if isinstance(data, dict) else {"details": data}


def _wanted_names(events: Sequence[AuditEvent]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = {}
    for event in events:
        actor = _acting_user_id(event)
        if actor is not None:
            wanted.setdefault("users", set()).add(actor)
        table = _table_of(event.entity_type)
        if table in _NAMERS and event.entity_id is not None:
            wanted.setdefault(table, set()).add(event.entity_id)
        for change in changes_of(event):
            referenced = _referenced_table(event.entity_type, change.field) if change.is_change else None
            if referenced in _NAMERS:
                for value in (change.old, change.new):
                    if isinstance(value, int):
                        wanted.setdefault(referenced, set()).add(value)
    return wanted


def _names(wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """The names of every referenced row, in one query whatever the number of events."""
    selects = [_NAMERS[table](table).where(_ID_COLUMNS[table].in_(sorted(ids)))
               for table, ids in sorted(wanted.items()) if ids]
    if not selects:
        return {}
    return {(kind, row_id): name for kind, row_id, name in db.session.execute(union_all(*selects))}


def _shown(entity_type: str, field: str, value, names: dict) -> str | None:
    """A stored value as the reader reads it: labels for codes, names for ids, dates in their locale."""
    if value is None:
        return None
    labels = catalogue.value_labels(entity_type, field)
    if labels and value in labels:
        return str(labels[value])
    referenced = _referenced_table(entity_type, field)
    if referenced is not None and isinstance(value, int):
        return names.get((referenced, value), f"#{value}")
    column_type = getattr(_columns(entity_type).get(field), "type", None)
    try:
        if isinstance(column_type, Boolean) or isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(column_type, DateTime):
            return format_moment(datetime.fromisoformat(value))
        if isinstance(column_type, Date):
            return format_day(date.fromisoformat(value))
        if isinstance(column_type, Numeric):
            return format_decimal(Decimal(str(value)))
    except (TypeError, ValueError, InvalidOperation):
        pass  # an odd stored value is shown as it is
    if isinstance(value, dict):
        return "; ".join(f"{catalogue.field_label(k)}: {_shown(entity_type, k, v, names) or '—'}"
                         for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _readable_changes(event: AuditEvent, names: dict) -> tuple[ReadableChange, ...]:
    kind = event.entity_type
    return tuple(
        ReadableChange(catalogue.field_label(change.field), _shown(kind, change.field, change.old, names),
                       _shown(kind, change.field, change.new, names), change.is_change)
        for change in changes_of(event) if change.field not in catalogue.HIDDEN_FIELDS)


def _actor_name(event: AuditEvent, names: dict) -> str:
    user_id = _acting_user_id(event)
    if user_id is not None and ("users", user_id) in names:
        return names[("users", user_id)]
    if event.actor_label == "system":
        return _("System")
    if event.actor_label == "anonymous":
        return _("Anonymous visitor")
    return event.actor_label


def _subject(event: AuditEvent, names: dict) -> str | None:
    if event.entity_id is None:
        return None
    return names.get((_table_of(event.entity_type), event.entity_id), f"#{event.entity_id}")


def _raw(event: AuditEvent) -> str:
    data = {"record": event.entity_type, "id": event.entity_id, "action": event.action,
            "actor": event.actor_label, "changes": _data(event) or None}
    return json.dumps(data, indent=1, ensure_ascii=False, default=str)


def readable(events: Sequence[AuditEvent]) -> list[ReadableEvent]:
    """Events as every history shows them (``templates/macros/history.html``): labelled fields,
    values formatted for the reader, names instead of ids (one query), the real actor; secrets never."""
    names = _names(_wanted_names(events))
    return [ReadableEvent(event.id, format_moment(event.occurred_at), _actor_name(event, names),
                          f"{catalogue.entity_label(event.entity_type)} {catalogue.action_label(event.action)}",
                          _subject(event, names),
                          _readable_changes(event, names), _raw(event))
            for event in events]
