"""Sessions, who attended them, and the training records attendance produces.

Recording a session's attendance writes one training record per attendee and
session: ``participation`` for participants, ``leading``/``co_leading`` for leaders by
their role in the group on that day. No one credits themselves: the records are
approved only when an administrator of the group's society, or a leader of the group
who was accredited and not a trainee on the session's day, records the session;
otherwise they wait for review (an administrator, or a countersignature) like any
logged record, and a correction by such a recorder sends changed records back to review.
The records follow the session: a corrected attendance list, date, length or format
adds, removes or updates them. Deleting a session that produced approved records of
other people takes an administrator and a reason; the records' deletion is on the
audit trail (every field as it was) with that reason. The database keeps each
(session, person, kind) once. Writes flush; the caller commits.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...formatting import format_day
from ...extensions import db
from ...models import Attendance, Group, GroupSession, Person, TrainingRecord, User
from ...models._base import utcnow
from ... import signals
from ..accreditation import standing
from ..errors import Forbidden, InvalidInput, NotFound
from ..platform import audit
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


def _check_someone_attended(person_ids, confirm_empty: bool) -> None:
    """A session saved with nobody present is usually a slip: it is saved only once confirmed."""
    if not person_ids and not confirm_empty:
        raise _invalid("confirm_empty", _("Nobody is marked present. Tick who attended, or confirm that the "
                                          "session took place with nobody present."))


def _roles_of(group: Group, held_on: date, person_ids) -> dict[int, str]:
    eligible = {a.person.id: a.role for a in attendees_on(group, held_on)}
    strangers = [pid for pid in person_ids if pid not in eligible]
    if strangers:
        raise _invalid("attendees", _("Only the group's leaders and participants on that day can attend."))
    return {pid: eligible[pid] for pid in person_ids}


def record_session(group: Group, *, held_on: date, attendees, today: date, minutes: int | None = None,
                   format: str | None = None, recorded_by_id: int | None = None,
                   confirm_empty: bool = False) -> GroupSession:
    """Record a session of the group and its attendance (person ids); returns the session.
    With no attendee it is refused unless ``confirm_empty``."""
    _check_day(group, held_on, today)
    _check_someone_attended(attendees, confirm_empty)
    roles = _roles_of(group, held_on, attendees)
    session = GroupSession(group=group, held_on=held_on, minutes=minutes or group.session_minutes,
                           format=format or default_format(group), recorded_by_id=recorded_by_id)
    db.session.add(session)
    db.session.flush()
    _sync(session, roles, recorded_by_id)
    signals.session_recorded.send(session, created=True)
    return session


def update_session(session: GroupSession, *, held_on: date, attendees, today: date, minutes: int | None = None,
                   format: str | None = None, recorded_by_id: int | None = None,
                   confirm_empty: bool = False) -> GroupSession:
    """Correct a session; its attendance and training records follow (nobody present: as above)."""
    group = session.group
    _check_day(group, held_on, today, session.id)
    _check_someone_attended(attendees, confirm_empty)
    roles = _roles_of(group, held_on, attendees)
    session.held_on = held_on
    session.minutes = minutes or session.minutes
    session.format = format or session.format
    db.session.flush()
    _sync(session, roles, recorded_by_id)
    signals.session_recorded.send(session, created=False)
    return session


def approves_attendance(group: Group, user: User | None, day: date) -> bool:
    """Whether records from a session ``user`` records on ``day`` arrive approved: an administrator
    of the group's society, or a leader of the group serving that day, not as a trainee, who held
    a valid accreditation that day."""
    if user is None:
        return False
    if user.role == "admin":
        return user.society_id == group.society_id
    if user.person_id is None:
        return False
    return any(leader.person_id == user.person_id and leader.active_on(day) and not leader.is_trainee
               for leader in group.leaders) and standing.accredited_on(user.person_id, day)


def approved_records_of_others(session: GroupSession, user: User) -> list[TrainingRecord]:
    """The session's approved records of people other than ``user``'s own person."""
    return [record for record in _records_of(session)
            if record.status == "approved" and record.person_id != user.person_id]


def delete_session(session: GroupSession, by: User, reason: str | None = None) -> None:
    """Delete a session with its attendance and the training records it produced.

    When it produced approved records of other people, only an administrator may, with a
    reason; the reason and the records deleted are recorded on the audit trail beside the
    records' own deletion events, which keep every field as it was."""
    records = _records_of(session)
    credited = approved_records_of_others(session, by)
    reason = (reason or "").strip()
    if credited:
        if by.role != "admin":
            raise Forbidden(_("This session produced approved training records of %(n)s other people; only an "
                              "administrator can delete it, with a reason.", n=len(credited)))
        if not reason:
            raise _invalid("reason", _("Give a reason: it is kept with the deleted training records."))
    audit.record("delete_session", entity_type="GroupSession", entity_id=session.id,
                 society_id=session.group.society_id,
                 details={"held_on": session.held_on.isoformat(), "reason": reason or None,
                          "training_records": sorted(record.id for record in records)})
    for record in records:
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
    recorder = db.session.get(User, user_id) if user_id else None
    approving = approves_attendance(group, recorder, session.held_on)
    # The recorder's own record waits for someone else's review: nobody credits their own standing.
    own_person_id = recorder.person_id if recorder is not None else None
    wanted = {(person_id, KIND_BY_ROLE[role]) for person_id, role in roles.items()}
    existing = {(record.person_id, record.kind): record for record in _records_of(session)}
    for key, record in existing.items():
        if key not in wanted:
            db.session.delete(record)
    db.session.flush()  # deletions first, so a changed role never meets its old record
    for person_id, kind in sorted(wanted):
        record = existing.get((person_id, kind))
        if record is None:
            record = TrainingRecord(person_id=person_id, kind=kind, unit="session", units=Decimal(1),
                                    source="attendance", status="pending", group_id=group.id,
                                    session_id=session.id, created_by_id=user_id)
            db.session.add(record)
        facts = (session.held_on, session.minutes, session.format == "in_person", accredited)
        changed = (record.occurred_on, record.minutes, record.in_person, record.with_accredited_leader) != facts
        record.occurred_on, record.minutes, record.in_person, record.with_accredited_leader = facts
        _review_state(record, approving and person_id != own_person_id, changed, user_id)
    db.session.flush()


def _review_state(record: TrainingRecord, approving: bool, changed: bool, user_id: int | None) -> None:
    """Approve the record when its recorder may vouch for it; otherwise a new or changed record
    waits for review, so nobody turns their own attendance into approved credit."""
    if approving and record.status == "pending":
        record.status, record.decided_by_id, record.decided_at = "approved", user_id, utcnow()
    elif not approving and changed and record.status != "pending":
        record.status, record.decided_by_id, record.decided_at, record.rejection_reason = "pending", None, None, None
        record.countersigned_by_id = record.countersigned_at = None


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
    """Every session the list shows, in its order, with its counts (two queries per batch). The
    group is read now: the rows stream after the request's session has let go of it."""
    return _session_rows(sessions_of(group), group.name)


def _session_rows(statement, group_name: str) -> Iterator[list]:
    for sessions in batches(statement):
        session_counts = counts(s.id for s in sessions)
        for s in sessions:
            yield [group_name, s.held_on, s.minutes, s.format, *session_counts[s.id]]
