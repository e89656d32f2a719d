"""Participants' certificates: attendance (a year, or one group over a period) and participant
credentials (a participant rule set met, such as the Psychosomatische Grundversorgung).

They go through the leaders' certificate machinery: numbers, the frozen snapshot the PDF is
rendered from, verification by number, the holder's and administrators' download. An attendance
certificate states what happened, so it stays valid unless revoked; it is issued once per person,
society and period (a repeat returns the one issued), and only when something was attended.
"""
import json
from datetime import date

from flask_babel import gettext
from sqlalchemy import and_, distinct, exists, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...formatting import translated
from ...models import Attendance, Certificate, Group, GroupSession, Person, Society
from ..accreditation.participant_credentials import credential_of
from ..errors import Conflict, NotFound
from ..groups import participation
from . import issuing
from .pdf import wording


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _base_snapshot(kind: str, person: Person, society: Society, number: str, issued_on: date, language: str) -> dict:
    base_url = issuing._setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "kind": kind,
        "number": number,
        "language": language,
        "holder": {"name": person.full_name, "profession": person.profession},
        "society": {"code": society.code, "name": society.name, "logo": society.logo_filename},
        "signatories": issuing._signatories(society),
        "issued_on": issued_on.isoformat(),
        "expires_on": None,
        "verify_url": f"{base_url}/verify/{number}",
    }


def _with_totals(frozen: dict, totals: participation.Totals, groups: list[str]) -> dict:
    frozen.update({
        "hours": str(totals.hours), "in_person_hours": str(totals.in_person_hours), "sessions": totals.sessions,
        "cme_points": None if totals.cme_points is None else str(totals.cme_points), "groups": groups,
    })
    return frozen


def attendance_snapshot(person: Person, society: Society, number: str, issued_on: date, language: str,
                        start: date, end: date, totals: participation.Totals, groups: list[str]) -> dict:
    """What an attendance certificate says, frozen at issue."""
    frozen = _base_snapshot("attendance", person, society, number, issued_on, language)
    frozen["credential"] = wording()[language if language in wording() else "en"]["attendance_credential"]
    frozen["rule_set_version"] = ""
    frozen["period"] = {"start": start.isoformat(), "end": end.isoformat()}
    return _with_totals(frozen, totals, groups)


def _group_names(person_id: int, society_id: int, start: date, end: date, group_id: int | None) -> list[str]:
    sessions = participation.sessions_attended(person_id, society_id=society_id, start=start, end=end,
                                               group_id=group_id)
    return sorted({s.group_name for s in sessions})


def _current_attendance(person_id: int, society_id: int, start: date, end: date, group_id: int | None):
    return db.session.scalar(
        select(Certificate).where(
            Certificate.kind == "attendance", Certificate.person_id == person_id,
            Certificate.society_id == society_id, Certificate.period_start == start, Certificate.period_end == end,
            Certificate.group_id.is_(None) if group_id is None else Certificate.group_id == group_id,
            Certificate.revoked_at.is_(None))
        .order_by(Certificate.id).limit(1))


def issue_attendance(person: Person, society: Society, start: date, end: date, on: date,
                     group: Group | None = None) -> Certificate:
    """The attendance certificate of ``person`` in ``society`` (or one of its groups) from ``start``
    to ``end``: issued now, or the one issued before. Conflict when nothing was attended."""
    if end < start:
        raise Conflict(gettext("The period ends before it starts."))
    group_id = group.id if group is not None else None
    current = _current_attendance(person.id, society.id, start, end, group_id)
    if current is not None:
        return current
    totals = participation.totals(person.id, society.id, start, end, group_id)
    if not totals.sessions:
        raise Conflict(gettext("No session attended in this period: there is nothing to certify."))
    language = issuing.certificate_language(person, society)
    number = issuing.new_numbers(f"{society.code}-{on.year}", 1)[0]
    frozen = attendance_snapshot(person, society, number, on, language, start, end, totals,
                                 _group_names(person.id, society.id, start, end, group_id))
    certificate = Certificate(number=number, kind="attendance", person_id=person.id, society_id=society.id,
                              group_id=group_id, period_start=start, period_end=end, issued_on=on, language=language,
                              rendered_from=json.dumps(frozen, ensure_ascii=False))
    db.session.add(certificate)
    db.session.flush()
    return certificate


def issue_year(person: Person, society: Society, year: int, on: date) -> Certificate:
    start, end = year_period(year)
    return issue_attendance(person, society, start, end, on)


def issue_credential(person: Person, rule_set_id: int, on: date) -> Certificate:
    """The certificate of a participant credential, only once its rule is met (Conflict otherwise)."""
    credential = credential_of(person, rule_set_id, on)
    if credential is None:
        raise NotFound(gettext("No such credential."))
    if not credential.met:
        raise Conflict(gettext("The requirements of this credential are not met yet."))
    rule_set = credential.rule_set
    current = db.session.scalar(select(Certificate).where(
        Certificate.kind == "participant_credential", Certificate.person_id == person.id,
        Certificate.rule_set_id == rule_set.id, Certificate.revoked_at.is_(None)).limit(1))
    if current is not None:
        return current
    society = rule_set.society
    language = issuing.certificate_language(person, society)
    number = issuing.new_numbers(f"{society.code}-{on.year}", 1)[0]
    sessions = participation.sessions_attended(person.id, end=on)
    frozen = _base_snapshot("participant_credential", person, society, number, on, language)
    frozen["credential"] = translated(rule_set, "credential_title", language)
    frozen["rule_set_version"] = credential.version.label
    if sessions:
        frozen["period"] = {"start": sessions[0].held_on.isoformat(), "end": sessions[-1].held_on.isoformat()}
        minutes = sum(s.minutes for s in sessions)
        frozen.update({"hours": str(participation.hours_of(minutes)), "sessions": len(sessions),
                       "in_person_hours": str(participation.hours_of(sum(s.minutes for s in sessions if s.in_person))),
                       "cme_points": None, "groups": sorted({s.group_name for s in sessions})})
    certificate = Certificate(number=number, kind="participant_credential", person_id=person.id,
                              society_id=society.id, rule_set_id=rule_set.id, issued_on=on, language=language,
                              rendered_from=json.dumps(frozen, ensure_ascii=False))
    db.session.add(certificate)
    db.session.flush()
    return certificate


# -- year-end, for every participant of a society ---------------------------------------

def participants_due(society_id: int, year: int):
    """Statement: people who attended a session of the society's groups in ``year`` as participants
    and hold no attendance certificate for that year yet."""
    start, end = year_period(year)
    held = aliased(Certificate)
    return (
        select(distinct(Attendance.person_id))
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .join(Group, Group.id == GroupSession.group_id)
        .where(Group.society_id == society_id, Attendance.role == participation.PARTICIPANT,
               GroupSession.held_on >= start, GroupSession.held_on <= end,
               ~exists().where(and_(held.kind == "attendance", held.person_id == Attendance.person_id,
                                    held.society_id == society_id, held.period_start == start,
                                    held.period_end == end, held.group_id.is_(None), held.revoked_at.is_(None))))
    )


def issue_year_end(society_id: int, year: int, on: date) -> list[Certificate]:
    """Issue the year's attendance certificate, dated ``on``, to every participant of the society's
    groups who attended that year and has none yet. A handful of queries for any number of people."""
    society = db.session.get(Society, society_id)
    if society is None:
        raise NotFound(gettext("No such society."))
    start, end = year_period(year)
    person_ids = list(db.session.scalars(participants_due(society_id, year)))
    if not person_ids:
        return []
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    by_person: dict[int, list[participation.AttendedSession]] = {}
    for session in _sessions_of_many(person_ids, society_id, start, end):
        by_person.setdefault(session[0], []).append(session[1])
    numbers = issuing.new_numbers(f"{society.code}-{on.year}", len(person_ids))
    issued = []
    for number, person_id in zip(numbers, sorted(person_ids)):
        person, sessions = people[person_id], by_person.get(person_id, [])
        minutes = sum(s.minutes for s in sessions)
        in_person = sum(s.minutes for s in sessions if s.in_person)
        totals = participation.Totals(society_id=society.id, society_name=society.name, sessions=len(sessions),
                                      minutes=minutes, in_person_minutes=in_person,
                                      cme_rate=society.cme_points_per_hour, year=year)
        language = issuing.certificate_language(person, society)
        frozen = attendance_snapshot(person, society, number, on, language, start, end, totals,
                                     sorted({s.group_name for s in sessions}))
        issued.append(Certificate(number=number, kind="attendance", person_id=person_id, society_id=society.id,
                                  period_start=start, period_end=end, issued_on=on, language=language,
                                  rendered_from=json.dumps(frozen, ensure_ascii=False)))
    db.session.add_all(issued)
    db.session.flush()
    return issued


def _sessions_of_many(person_ids: list[int], society_id: int, start: date, end: date):
    """(person id, attended session) for many people in one query per thousand people."""
    for index in range(0, len(person_ids), 1000):
        chunk = person_ids[index:index + 1000]
        statement = (
            select(Attendance.person_id, GroupSession.held_on, Group.id, Group.name, Group.society_id,
                   GroupSession.minutes, GroupSession.format)
            .join(GroupSession, GroupSession.id == Attendance.session_id)
            .join(Group, Group.id == GroupSession.group_id)
            .where(Attendance.person_id.in_(chunk), Attendance.role == participation.PARTICIPANT,
                   Group.society_id == society_id, GroupSession.held_on >= start, GroupSession.held_on <= end)
        )
        for person_id, *row in db.session.execute(statement):
            yield person_id, participation.AttendedSession(*row, with_accredited_leader=False)
