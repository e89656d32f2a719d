"""Balint groups, their leaders and participants, sessions and attendance.

Confidentiality is the heart of the method: a session stores who met, when and
for how long, never what was discussed.
"""
from datetime import date, datetime, time

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, Time,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, choice
from .accounts import User
from .people import PROFESSIONS, Person, Society

FORMATS = ("in_person", "online", "hybrid")
RHYTHMS = ("weekly", "fortnightly", "monthly", "other")
GROUP_STATUSES = ("forming", "active", "paused", "closed")
LEADER_ROLES = ("leader", "co_leader")
# Join details: what someone who wants to join needs to know (issue 16).
SETTINGS = ("primary_care", "private_practice", "residency", "hospital", "other")
TERMS = ("ongoing", "time_limited")
EXCEPTION_KINDS = ("cancelled", "moved")
ATTENDANCE_ROLES = ("participant", "leader", "co_leader")


class Group(Timestamps, db.Model):
    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("society_id", "name"),
        CheckConstraint("session_minutes > 0 AND session_minutes <= 600", name="session_minutes_range"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="ends_after_starts"),
        Index("ix_groups_society_status", "society_id", "status"),
        Index("ix_groups_country_city", "country", "city"),
        CheckConstraint("open_places IS NULL OR open_places >= 0", name="open_places_not_negative"),
        CheckConstraint("meeting_weekday IS NULL OR (meeting_weekday >= 0 AND meeting_weekday <= 6)",
                        name="meeting_weekday_range"),
        CheckConstraint("term <> 'time_limited' OR ends_on IS NOT NULL", name="time_limited_has_end"),
        # The directory's order; with status in it, a deep page is skipped inside the index.
        Index("ix_groups_name_id", "name", "id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    format: Mapped[str] = mapped_column(choice(*FORMATS, name="group_format"), index=True)
    language: Mapped[str] = mapped_column(String(5), index=True)
    rhythm: Mapped[str] = mapped_column(choice(*RHYTHMS, name="rhythm"))
    session_minutes: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    accepting_members: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    status: Mapped[str] = mapped_column(choice(*GROUP_STATUSES, name="group_status"), default="forming")
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # Join details (edited by administrators and the group's own leaders; public in the directory).
    setting: Mapped[str | None] = mapped_column(choice(*SETTINGS, name="group_setting"))
    term: Mapped[str] = mapped_column(choice(*TERMS, name="group_term"), default="ongoing", server_default="ongoing")
    open_places: Mapped[int | None] = mapped_column(Integer)
    meeting_weekday: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday, as date.weekday()
    meeting_time: Mapped[time | None] = mapped_column(Time)  # local time in ``timezone``
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name, e.g. Europe/Stockholm
    address: Mapped[str | None] = mapped_column(String(300))
    cme_recognised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cme_recognised_by: Mapped[str | None] = mapped_column(String(200))

    society: Mapped[Society] = relationship()
    audiences: Mapped[list["GroupAudience"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupAudience.profession"
    )
    leaders: Mapped[list["GroupLeader"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="(GroupLeader.starts_on, GroupLeader.id)"
    )
    participants: Mapped[list["GroupParticipant"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="(GroupParticipant.starts_on, GroupParticipant.id)"
    )
    sessions: Mapped[list["GroupSession"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="(GroupSession.held_on, GroupSession.id)"
    )
    exceptions: Mapped[list["SessionException"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="SessionException.occurs_on"
    )
    openness: Mapped[list["GroupOpenness"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupOpenness.effective_from"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def audience_list(self) -> list[str]:
        return [a.profession for a in self.audiences]


class GroupAudience(db.Model):
    """A profession a group is meant for (GPs, physiotherapists...)."""

    __tablename__ = "group_audiences"
    __table_args__ = (Index("ix_group_audiences_profession", "profession", "group_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    profession: Mapped[str] = mapped_column(choice(*PROFESSIONS, name="audience_profession"), primary_key=True)

    group: Mapped[Group] = relationship(back_populates="audiences")


class GroupLeader(Timestamps, db.Model):
    __tablename__ = "group_leaders"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_starts"),
        Index("ix_group_leaders_person_dates", "person_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(choice(*LEADER_ROLES, name="leader_role"), default="leader")
    is_trainee: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    group: Mapped[Group] = relationship(back_populates="leaders")
    person: Mapped[Person] = relationship()

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class DirectorySummary(db.Model):
    """A group as the public directory publishes it (its JSON, ready to join into a page), and the days
    it holds for: written in the transaction of any change to what it shows
    (``services/groups/summaries.py``), rebuilt when read on a day outside ``valid_from``..``valid_until``
    (a leader's assignment or accreditation starts or ends on a date; empty: no such limit). Derived data:
    neither audited nor versioned."""

    __tablename__ = "directory_summaries"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)


class GroupParticipant(Timestamps, db.Model):
    __tablename__ = "group_participants"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_starts"),
        Index("ix_group_participants_person", "person_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    group: Mapped[Group] = relationship(back_populates="participants")
    person: Mapped[Person] = relationship()

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class GroupSession(Timestamps, db.Model):
    """One meeting of a group: when, how long, in which format. Never its content."""

    __tablename__ = "group_sessions"
    __table_args__ = (
        UniqueConstraint("group_id", "held_on"),
        CheckConstraint("minutes > 0 AND minutes <= 600", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(choice("in_person", "online", name="session_format"), default="in_person")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    group: Mapped[Group] = relationship(back_populates="sessions")
    attendance: Mapped[list["Attendance"]] = relationship(back_populates="session", cascade="all, delete-orphan")


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_person", "person_id"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), primary_key=True)
    role: Mapped[str] = mapped_column(choice(*ATTENDANCE_ROLES, name="attendance_role"), default="participant")

    session: Mapped[GroupSession] = relationship(back_populates="attendance")
    person: Mapped[Person] = relationship()


class SessionException(Timestamps, db.Model):
    """One occurrence of the group's rhythm that is cancelled or moved (to another local date and time)."""

    __tablename__ = "session_exceptions"
    __table_args__ = (
        UniqueConstraint("group_id", "occurs_on"),
        CheckConstraint("kind <> 'moved' OR moved_to IS NOT NULL", name="moved_has_new_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    occurs_on: Mapped[date] = mapped_column(Date)  # the date the rhythm gives
    kind: Mapped[str] = mapped_column(choice(*EXCEPTION_KINDS, name="session_exception_kind"))
    moved_to: Mapped[datetime | None] = mapped_column(DateTime)  # naive: local time in the group's time zone
    note: Mapped[str | None] = mapped_column(String(200))

    group: Mapped[Group] = relationship(back_populates="exceptions")


class GroupOpenness(Timestamps, db.Model):
    """From which day a group was closed to new members or open to them: the dated history of
    ``Group.accepting_members``, whose current value is the latest row's (``services/groups/openness.py``).
    The rules read the state on a session's day ("online only in a closed group")."""

    __tablename__ = "group_openness"
    __table_args__ = (
        # One state per group and day; facts.py reads the rows of many groups by this key.
        UniqueConstraint("group_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))  # led by the unique key
    accepting_members: Mapped[bool] = mapped_column(Boolean)
    effective_from: Mapped[date] = mapped_column(Date)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    group: Mapped[Group] = relationship(back_populates="openness")
    set_by: Mapped[User] = relationship()  # none: the migration, the demo or a job
