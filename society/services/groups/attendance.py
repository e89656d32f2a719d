"""Sessions, who attended them, and the training records attendance produces.

Recording a session's attendance writes one approved training record per attendee
and session: ``participation`` for participants, ``leading``/``co_leading`` for
leaders by their role in the group on that day. The records follow the session:
a corrected attendance list, date, length or format adds, removes or updates them,
and deleting the session removes them. The database keeps each (session, person,
kind) once. Writes flush; the caller commits.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...formatting import format_day
from ...extensions import db
from ...models import Attendance, Group, GroupSession, Person, TrainingRecord
from ...models._base import utcnow
from ... import signals
from ..accreditation import standing
from ..errors import InvalidInput, NotFound
from ..platform.exports import batches

KIND_BY_ROLE = {"participant": "participation", "leader": "leading", "co_leader": "co_leading"}
ROLE_ORDER = {"leader": 0, "co_leader": 1, "participant": 2}


@dataclass(frozen=True)
class Attendee:
    """Someone who could attend a session: a leader, co-leader or participant on its day."""

    person: Person
    role: str
    is_trainee: bool = False


def attendees_on(group: Group, day: date) -> list[Attendee]:
    """Leaders first, then participants, of the group on ``day`` (from loaded rows)."""
    people = {}
    for leader in group.leaders:
        if leader.active_on(day):
            people[leader.person_id] = Attendee(leader.person, leader.role, leader.is_trainee)
    for participant in group.participants:
        if participant.active_on(day) and participant.person_id not in people:
            people[participant.person_id] = Attendee(participant.person, "participant")
    return sorted(people.values(), key=lambda a: (ROLE_ORDER[a.role], a.person.family_name, a.person.given_name))


def default_format(group: Group) -> str:
    return "online" if group.format == "online" else "in_person"


def get_session(group: Group, session_id: int) -> GroupSession:
    session = db.session.get(GroupSession, session_id)
    if session is None or session.group_id != group.id:
        raise NotFound(_("No such session in this group."))
    return session


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors={field: [message]})


def _check_day(group: Group, held_on: date, today: date, session_id: int | None = None) -> None:
    if held_on > today:
        raise _invalid("held_on", _("A session can be recorded once it has taken place."))
    if group.starts_on and held_on < group.starts_on:
        raise _invalid("held_on", _("The group started on %(day)s.", day=format_day(group.starts_on)))
    if group.ends_on and held_on > group.ends_on:
        raise _invalid("held_on", _("The group ended on %(day)s.", day=format_day(group.ends_on)))
    clash = select(GroupSession.id).where(GroupSession.group_id == group.id, GroupSession.held_on == held_on)
    if session_id is not None:
        clash = clash.where(GroupSession.id != session_id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise _invalid("held_on", _("A session on this day is already recorded for the group."))


def _roles_of(group: Group, held_on: date, person_ids) -> dict[int, str]:
    eligible = {a.person.id: a.role for a in attendees_on(group, held_on)}
    strangers = [pid for pid in person_ids if pid not in eligible]
    if strangers:
        raise _invalid("attendees", _("Only the group's leaders and participants on that day can attend."))
    return {pid: eligible[pid] for pid in person_ids}


def record_session(group: Group, *, held_on: date, attendees, today: date, minutes: int | None = None,
                   format: str | None = None, recorded_by_id: int | None = None) -> GroupSession:
    """Record a session of the group and its attendance (person ids); returns the session."""
    _check_day(group, held_on, today)
    roles = _roles_of(group, held_on, attendees)
    session = GroupSession(group=group, held_on=held_on, minutes=minutes or group.session_minutes,
                           format=format or default_format(group), recorded_by_id=recorded_by_id)
    db.session.add(session)
    db.session.flush()
    _sync(session, roles, recorded_by_id)
    signals.session_recorded.send(session, created=True)
    return session


def update_session(session: GroupSession, *, held_on: date, attendees, today: date, minutes: int | None = None,
                   format: str | None = None, recorded_by_id: int | None = None) -> GroupSession:
    """Correct a session; its attendance and training records follow."""
    group = session.group
    _check_day(group, held_on, today, session.id)
    roles = _roles_of(group, held_on, attendees)
    session.held_on = held_on
    session.minutes = minutes or session.minutes
    session.format = format or session.format
    db.session.flush()
    _sync(session, roles, recorded_by_id)
    signals.session_recorded.send(session, created=False)
    return session


def delete_session(session: GroupSession) -> None:
    """Delete a session with its attendance and the training records it produced."""
    for record in _records_of(session):
        db.session.delete(record)
    db.session.delete(session)
    db.session.flush()


def _records_of(session: GroupSession) -> list[TrainingRecord]:
    return list(db.session.scalars(select(TrainingRecord).where(
        TrainingRecord.session_id == session.id, TrainingRecord.source == "attendance")))


def _sync(session: GroupSession, roles: dict[int, str], user_id: int | None) -> None:
    """Make attendance rows and training records match ``roles`` (person id -> role)."""
    present = {row.person_id: row for row in session.attendance}
    for person_id, row in present.items():
        if person_id not in roles:
            session.attendance.remove(row)
    for person_id, role in roles.items():
        if person_id in present:
            present[person_id].role = role
        else:
            session.attendance.append(Attendance(person_id=person_id, role=role))

    group = session.group
    leader_ids = [leader.person_id for leader in group.leaders if leader.active_on(session.held_on)]
    accredited = bool(standing.accredited_people_on(leader_ids, session.held_on))
    wanted = {(person_id, KIND_BY_ROLE[role]) for person_id, role in roles.items()}
    existing = {(record.person_id, record.kind): record for record in _records_of(session)}
    for key, record in existing.items():
        if key not in wanted:
            db.session.delete(record)
    db.session.flush()  # deletions first, so a changed role never meets its old record
    for person_id, kind in sorted(wanted):
        record = existing.get((person_id, kind))
        if record is None:
            record = TrainingRecord(
                person_id=person_id, kind=kind, unit="session", units=Decimal(1), source="attendance",
                status="approved", group_id=group.id, session_id=session.id, created_by_id=user_id,
                decided_by_id=user_id, decided_at=utcnow())
            db.session.add(record)
        record.occurred_on = session.held_on
        record.minutes = session.minutes
        record.in_person = session.format == "in_person"
        record.with_accredited_leader = accredited
    db.session.flush()


def counts(session_ids) -> dict[int, tuple[int, int]]:
    """(attended, training records produced) per session, in two GROUP BY queries."""
    ids = list(session_ids)
    if not ids:
        return {}
    attended = dict(db.session.execute(
        select(Attendance.session_id, func.count()).where(Attendance.session_id.in_(ids))
        .group_by(Attendance.session_id)).all())
    records = dict(db.session.execute(
        select(TrainingRecord.session_id, func.count(TrainingRecord.id)).where(TrainingRecord.session_id.in_(ids))
        .group_by(TrainingRecord.session_id)).all())
    return {sid: (attended.get(sid, 0), records.get(sid, 0)) for sid in ids}


def sessions_of(group: Group):
    """select(GroupSession): the group's sessions, newest first (one per day)."""
    return select(GroupSession).where(GroupSession.group_id == group.id).order_by(GroupSession.held_on.desc())


def sessions_page(group: Group, page: int = 1, per_page: int = 20):
    """The group's sessions, newest first, one page."""
    return db.paginate(sessions_of(group), page=page, per_page=per_page, max_per_page=per_page, error_out=False)


EXPORT_COLUMNS = ("group", "held_on", "minutes", "format", "attended", "training_records")


def export_rows(group: Group) -> Iterator[list]:
    """Every session the list shows, in its order, with its counts (two queries per batch)."""
    for sessions in batches(sessions_of(group)):
        session_counts = counts(s.id for s in sessions)
        for s in sessions:
            yield [group.name, s.held_on, s.minutes, s.format, *session_counts[s.id]]
