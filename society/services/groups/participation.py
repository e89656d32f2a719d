"""What a participant attended: their groups, every session, hours and CME points per year.

Read-only and set-based: each function is one query whatever the number of sessions. Only
attendance in the role of participant counts (leading a group is a leader's record). CME points
are hours times the society's own rate (``societies.cme_points_per_hour``; empty: none).
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, extract, func, select

from ...extensions import db
from ...models import Attendance, Group, GroupParticipant, GroupSession, Society, TrainingRecord

PARTICIPANT = "participant"


@dataclass(frozen=True)
class AttendedSession:
    held_on: date
    group_id: int
    group_name: str
    society_id: int
    minutes: int
    format: str
    with_accredited_leader: bool

    @property
    def in_person(self) -> bool:
        return self.format == "in_person"


@dataclass(frozen=True)
class Totals:
    """Attendance added up over a period (a year, or a group's period) in one society."""

    society_id: int
    society_name: str
    sessions: int
    minutes: int
    in_person_minutes: int
    cme_rate: Decimal | None
    year: int | None = None

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)

    @property
    def in_person_hours(self) -> Decimal:
        return hours_of(self.in_person_minutes)

    @property
    def cme_points(self) -> Decimal | None:
        return None if self.cme_rate is None else (self.hours * Decimal(self.cme_rate)).quantize(Decimal("0.01"))


def hours_of(minutes: int) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"))


def _attended(person_id: int):
    return and_(Attendance.person_id == person_id, Attendance.role == PARTICIPANT)


def sessions_attended(person_id: int, *, society_id: int | None = None, start: date | None = None,
                      end: date | None = None, group_id: int | None = None) -> list[AttendedSession]:
    """Every session the person attended as a participant, oldest first, optionally within a
    society, a period and a group. Whether an accredited leader led it comes from the session's
    training record for the person (written when the session was recorded)."""
    statement = (
        select(GroupSession.held_on, Group.id, Group.name, Group.society_id, GroupSession.minutes,
               GroupSession.format, func.coalesce(TrainingRecord.with_accredited_leader, False))
        .join(Attendance, Attendance.session_id == GroupSession.id)
        .join(Group, Group.id == GroupSession.group_id)
        .outerjoin(TrainingRecord, and_(TrainingRecord.session_id == GroupSession.id,
                                        TrainingRecord.person_id == Attendance.person_id))
        .where(_attended(person_id))
        .order_by(GroupSession.held_on, GroupSession.id)
    )
    if society_id is not None:
        statement = statement.where(Group.society_id == society_id)
    if start is not None:
        statement = statement.where(GroupSession.held_on >= start)
    if end is not None:
        statement = statement.where(GroupSession.held_on <= end)
    if group_id is not None:
        statement = statement.where(Group.id == group_id)
    return [AttendedSession(*row[:6], bool(row[6])) for row in db.session.execute(statement)]


def yearly_totals(person_id: int) -> list[Totals]:
    """Sessions, hours (all and in person) and CME points per society and year, newest year first."""
    year = extract("year", GroupSession.held_on)
    in_person = func.sum(case((GroupSession.format == "in_person", GroupSession.minutes), else_=0))
    statement = (
        select(Society.id, Society.name, Society.cme_points_per_hour, year.label("year"), func.count(),
               func.sum(GroupSession.minutes), in_person)
        .select_from(GroupSession)
        .join(Attendance, Attendance.session_id == GroupSession.id)
        .join(Group, Group.id == GroupSession.group_id).join(Society, Society.id == Group.society_id)
        .where(_attended(person_id))
        .group_by(Society.id, Society.name, Society.cme_points_per_hour, year)
        .order_by(year.desc(), Society.name)
    )
    return [Totals(society_id=sid, society_name=name, cme_rate=rate, year=int(y), sessions=count,
                   minutes=int(minutes or 0), in_person_minutes=int(personal or 0))
            for sid, name, rate, y, count, minutes, personal in db.session.execute(statement)]


def totals(person_id: int, society_id: int, start: date, end: date, group_id: int | None = None) -> Totals:
    """The person's attendance in one society (optionally one group) from ``start`` to ``end``."""
    in_person = func.sum(case((GroupSession.format == "in_person", GroupSession.minutes), else_=0))
    statement = (
        select(func.count(GroupSession.id), func.sum(GroupSession.minutes), in_person)
        .select_from(GroupSession)
        .join(Attendance, Attendance.session_id == GroupSession.id)
        .join(Group, Group.id == GroupSession.group_id)
        .where(_attended(person_id), Group.society_id == society_id,
               GroupSession.held_on >= start, GroupSession.held_on <= end)
    )
    if group_id is not None:
        statement = statement.where(Group.id == group_id)
    count, minutes, personal = db.session.execute(statement).one()
    society = db.session.get(Society, society_id)
    return Totals(society_id=society_id, society_name=society.name, cme_rate=society.cme_points_per_hour,
                  sessions=count or 0, minutes=int(minutes or 0), in_person_minutes=int(personal or 0),
                  year=start.year if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) else None)


@dataclass(frozen=True)
class ParticipantGroup:
    group_id: int
    name: str
    society_id: int
    starts_on: date
    ends_on: date | None
    format: str

    def current_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


def groups_of(person_id: int) -> list[ParticipantGroup]:
    """The groups the person is or was a participant of (their places, dated), newest first."""
    statement = (
        select(Group.id, Group.name, Group.society_id, GroupParticipant.starts_on, GroupParticipant.ends_on,
               Group.format)
        .join(GroupParticipant, GroupParticipant.group_id == Group.id)
        .where(GroupParticipant.person_id == person_id)
        .order_by(GroupParticipant.starts_on.desc(), Group.name)
    )
    return [ParticipantGroup(*row) for row in db.session.execute(statement)]


def attends_any(person_id: int) -> bool:
    """Whether the person attended any session as a participant (one index lookup)."""
    return db.session.scalar(select(Attendance.session_id).where(_attended(person_id)).limit(1)) is not None
