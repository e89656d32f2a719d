"""The public directory: groups and societies as the world may see them.

A group is *accredited* on a day when at least one of its leaders on that day (the
assignment's dates cover it) who is not a trainee holds an accreditation valid on
that day (``standing.valid_on``): ``group_standing.accredited_group``, the rule the lapse
scan flags by; ``_describe`` applies it to the rows of a page.

A page costs a fixed number of queries whatever its size: count, the groups (with
their society), their audiences, their current leaders, and the leaders' valid
accreditations with their latest certificate.
"""
from datetime import date, datetime, timezone

from sqlalchemy import exists, func, not_, or_, select

from ...extensions import db
from ...models import Accreditation, Certificate, Group, GroupAudience, GroupLeader, Person, RuleSet, RuleSetVersion, Society
from ..platform import http_cache
from .standing import accredited_group, counts_as_accredited, leader_serving_on
from ..accreditation.standing import valid_on
from ..platform.text_search import contains

# Join details read with each group (issue 16): the page shows them, the filters use them.
JOIN_COLUMNS = (Group.setting, Group.term, Group.open_places, Group.meeting_weekday, Group.meeting_time,
                Group.timezone, Group.address, Group.cme_recognised, Group.cme_recognised_by)

# The tables a directory answer reads; their latest change versions the answer.
GROUP_TABLES = (Group, GroupLeader, Person, Accreditation, Certificate, RuleSet, Society)
SOCIETY_TABLES = (Society,)


def groups_version(day: date, reuse_for: float = 0) -> http_cache.DataVersion:
    return http_cache.data_version(GROUP_TABLES, day, reuse_for=reuse_for)


def societies_version(day: date, reuse_for: float = 0) -> http_cache.DataVersion:
    return http_cache.data_version(SOCIETY_TABLES, day, reuse_for=reuse_for)


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # an offset that pushes 0001-01-01 or 9999-12-31 off the calendar
        return datetime.min.replace(tzinfo=timezone.utc) if moment.year == 1 else datetime.max.replace(tzinfo=timezone.utc)


def _conditions(filters: dict, day: date) -> list:
    conditions = [Group.status.in_(filters["status"])]
    if "society" in filters:
        conditions.append(Society.code == filters["society"])
    for name, column in (("country", Group.country), ("city", Group.city), ("language", Group.language),
                         ("format", Group.format), ("accepting_members", Group.accepting_members)):
        if name in filters:
            conditions.append(column == filters[name])
    if "audience" in filters:
        conditions.append(exists().where(GroupAudience.group_id == Group.id,
                                         GroupAudience.profession == filters["audience"]))
    conditions.extend(_join_conditions(filters, day))
    if "accredited" in filters:
        conditions.append(accredited_group(day) if filters["accredited"] else not_(accredited_group(day)))
    if "q" in filters:
        conditions.append(contains(Group.name, filters["q"]))
    if "updated_since" in filters:
        since = _utc(filters["updated_since"])
        conditions.append(or_(Group.updated_at >= since,
                              exists().where(GroupLeader.group_id == Group.id, GroupLeader.updated_at >= since)))
    return conditions


def _join_conditions(filters: dict, day: date) -> list:
    """The join details' filters: setting, term, open places, CME, a profession among today's leaders."""
    conditions = []
    for name, column in (("setting", Group.setting), ("term", Group.term), ("cme", Group.cme_recognised)):
        if name in filters:
            conditions.append(column == filters[name])
    if "open_places" in filters:
        # Open with places left, or open without saying how many.
        has_room = Group.accepting_members.is_(True) & or_(Group.open_places.is_(None), Group.open_places > 0)
        conditions.append(has_room if filters["open_places"] else not_(has_room))
    if "leader_profession" in filters:
        conditions.append(exists().where(GroupLeader.group_id == Group.id, leader_serving_on(day),
                                         Person.id == GroupLeader.person_id,
                                         Person.profession == filters["leader_profession"]))
    return conditions


def _group_rows(conditions: list, *, limit: int | None = None, offset: int = 0):
    leaders_changed = (select(func.max(GroupLeader.updated_at)).where(GroupLeader.group_id == Group.id)
                       .correlate(Group).scalar_subquery())
    statement = (
        select(Group.id, Group.name, Society.code, Society.name.label("society_name"), Group.society_id,
               Group.city, Group.country, Group.format, Group.language, Group.rhythm, Group.session_minutes,
               Group.accepting_members, Group.starts_on, Group.ends_on, Group.status, Group.updated_at,
               leaders_changed.label("leaders_changed"), *JOIN_COLUMNS)
        .join(Society, Society.id == Group.society_id)
        .where(*conditions)
        .order_by(Group.name, Group.id)
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return db.session.execute(statement).all()


def find_groups(filters: dict, day: date, page: int, per_page: int) -> tuple[list[dict], int]:
    """One page of the groups matching ``filters`` (as GroupQuerySchema loads them) and the total."""
    conditions = _conditions(filters, day)
    total = db.session.scalar(
        select(func.count(Group.id)).join(Society, Society.id == Group.society_id).where(*conditions))
    rows = _group_rows(conditions, limit=per_page, offset=(page - 1) * per_page)
    return _describe(rows, day), total


def get_group(group_id: int, day: date) -> dict | None:
    """One group by id, whatever its status; None when there is none."""
    described = _describe(_group_rows([Group.id == group_id]), day)
    return described[0] if described else None


def _describe(rows, day: date) -> list[dict]:
    ids = [row.id for row in rows]
    audiences: dict[int, list[str]] = {}
    for group_id, profession in db.session.execute(
            select(GroupAudience.group_id, GroupAudience.profession)
            .where(GroupAudience.group_id.in_(ids)).order_by(GroupAudience.group_id, GroupAudience.profession)):
        audiences.setdefault(group_id, []).append(profession)

    leaders: dict[int, list] = {}
    leader_rows = db.session.execute(
        select(GroupLeader.group_id, GroupLeader.person_id, GroupLeader.role, GroupLeader.is_trainee,
               Person.given_name, Person.family_name, Person.profession)
        .join(Person, Person.id == GroupLeader.person_id)
        .where(GroupLeader.group_id.in_(ids), leader_serving_on(day))
        .order_by(GroupLeader.group_id, GroupLeader.starts_on, GroupLeader.id)
    ).all()
    for leader in leader_rows:
        leaders.setdefault(leader.group_id, []).append(leader)
    held = _valid_accreditations({leader.person_id for leader in leader_rows}, day)

    described = []
    for row in rows:
        group_leaders = sorted(leaders.get(row.id, []), key=lambda leader: leader.role != "leader")
        people = [_leader(leader, _best(held.get(leader.person_id, []), row.society_id)) for leader in group_leaders]
        changed = [http_cache.as_utc(m) for m in (row.updated_at, row.leaders_changed) if m is not None]
        described.append({
            "id": row.id, "name": row.name,
            "society": {"code": row.code, "name": row.society_name},
            "place": {"city": row.city, "country": row.country},
            "format": row.format, "language": row.language, "audience": audiences.get(row.id, []),
            "schedule": {"rhythm": row.rhythm, "session_minutes": row.session_minutes},
            "accepting_members": row.accepting_members,
            "dates": {"starts_on": row.starts_on, "ends_on": row.ends_on},
            "status": row.status,
            "leaders": people,
            "accredited": any(counts_as_accredited(p["trainee"], p["accreditation"]["status"] == "accredited")
                              for p in people),
            "updated_at": max(changed),
        })
        _add_join_details(described[-1], row, group_leaders)
    return described


def _add_join_details(group: dict, row, leaders: list) -> None:
    """The join details of a described group: its meeting time, place, room, CME and leaders' professions."""
    group["place"]["address"] = row.address
    group["schedule"].update(weekday=row.meeting_weekday, start_time=row.meeting_time, time_zone=row.timezone)
    group["join"] = {
        "setting": row.setting, "term": row.term, "open_places": row.open_places,
        "cme": {"recognised": row.cme_recognised, "recognised_by": row.cme_recognised_by},
        "leader_professions": sorted({leader.profession for leader in leaders}),
    }


def _valid_accreditations(person_ids: set[int], day: date) -> dict[int, list]:
    """Each person's accreditations valid on ``day``, with credential and latest unrevoked certificate."""
    latest_certificate = (
        select(Certificate.number)
        .where(Certificate.accreditation_id == Accreditation.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        .limit(1).correlate(Accreditation).scalar_subquery()
    )
    rows = db.session.execute(
        select(Accreditation.person_id, Accreditation.granted_on, Accreditation.expires_on,
               RuleSet.credential_title, RuleSet.society_id, latest_certificate.label("certificate_number"))
        .join(RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id)
        .join(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
        .where(Accreditation.person_id.in_(sorted(person_ids)), valid_on(day))
    ).all()
    held: dict[int, list] = {}
    for row in rows:
        held.setdefault(row.person_id, []).append(row)
    return held


def _best(accreditations: list, society_id: int):
    """The accreditation to show: the group's own society first, then the longest valid, then the latest."""
    if not accreditations:
        return None
    return max(accreditations, key=lambda a: (a.society_id == society_id, a.expires_on is None,
                                              a.expires_on or date.min, a.granted_on))


def _leader(leader, accreditation) -> dict:
    if accreditation is not None:
        standing = {"status": "accredited", "credential": accreditation.credential_title,
                    "valid_until": accreditation.expires_on, "certificate_number": accreditation.certificate_number}
    else:
        standing = {"status": "in_training" if leader.is_trainee else "not_accredited",
                    "credential": None, "valid_until": None, "certificate_number": None}
    return {"name": f"{leader.given_name} {leader.family_name}", "role": leader.role,
            "trainee": leader.is_trainee, "accreditation": standing}


def find_societies(page: int, per_page: int) -> tuple[list[dict], int]:
    total = db.session.scalar(select(func.count(Society.id)))
    rows = db.session.execute(
        select(Society.code, Society.name, Society.country, Society.languages, Society.website)
        .order_by(Society.code).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [{"code": row.code, "name": row.name, "country": row.country, "website": row.website,
             "languages": [code.strip() for code in row.languages.split(",") if code.strip()]}
            for row in rows], total
