"""The public directory: groups and societies as the world may see them.

A group is *accredited* on a day when at least one of its leaders on that day (the
assignment's dates cover it) who is not a trainee holds an accreditation valid on
that day (``standing.valid_on``): ``group_standing.accredited_group``, the rule the lapse
scan flags by; ``_describe`` applies it to the rows of a page.

A page costs a fixed number of queries whatever its size and depth: the count, the page's
ids (walking ``ix_groups_name_id`` in list order, so a deep page skips index entries, not
built rows), the page's groups (with their society), their audiences, and their current
leaders each with the accreditations valid that day and the latest certificate (one query:
the accredited state comes with the leaders). The ``accredited`` filter uses one set of
accredited group ids (``standing.accredited_group_ids``): read once per worker and data version
when the caller gives the version (``accredited_ids``), else built once per query; never a
test per group.
"""
from datetime import date, datetime, timezone

from flask import current_app
from sqlalchemy import and_, exists, func, not_, or_, select

from ...extensions import db
from ...models import Accreditation, Certificate, Group, GroupAudience, GroupLeader, Person, RuleSet, RuleSetVersion, Society
from ..platform import http_cache
from .standing import accredited_group_ids, counts_as_accredited, leader_serving_on
from ..accreditation.standing import valid_on
from ..platform.text_search import contains

# Join details read with each group (issue 16): the page shows them, the filters use them.
JOIN_COLUMNS = (Group.setting, Group.term, Group.open_places, Group.meeting_weekday, Group.meeting_time,
                Group.timezone, Group.address, Group.cme_recognised, Group.cme_recognised_by)

ACCREDITED_MEMO = "society_directory_accredited"  # app.extensions key: {(day, version token): group ids}
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
    if "society" in filters:  # by id, so counting and paging need no join
        conditions.append(Group.society_id.in_(select(Society.id).where(Society.code == filters["society"])))
    for name, column in (("country", Group.country), ("city", Group.city), ("language", Group.language),
                         ("format", Group.format), ("accepting_members", Group.accepting_members)):
        if name in filters:
            conditions.append(column == filters[name])
    if "audience" in filters:
        conditions.append(exists().where(GroupAudience.group_id == Group.id,
                                         GroupAudience.profession == filters["audience"]))
    conditions.extend(_join_conditions(filters, day))
    if "accredited" in filters:
        # One set of accredited groups for the whole query, not a correlated test per group.
        accredited = Group.id.in_(accredited_group_ids(day))
        conditions.append(accredited if filters["accredited"] else not_(accredited))
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
    )
    if limit is not None or offset:
        statement = statement.limit(limit).offset(offset)
    return db.session.execute(statement).all()


def find_groups(filters: dict, day: date, page: int, per_page: int,
                version: http_cache.DataVersion | None = None) -> tuple[list[dict], int]:
    """One page of the groups matching ``filters`` (as GroupQuerySchema loads them) and the total.

    The page's ids come first, from the index in list order (``ix_groups_name_id``: name, id,
    status), so a deep page skips index entries rather than built rows; only the page's rows
    are then read and described."""
    if "accredited" in filters and version is not None:
        ids, total = _accredited_page_ids(filters, day, page, per_page, version)
    else:
        ids, total = _page_ids(_conditions(filters, day), page, per_page)
    if not ids:
        return [], total
    position = {group_id: number for number, group_id in enumerate(ids)}
    rows = sorted(_group_rows([Group.id.in_(ids)]), key=lambda row: position[row.id])
    return _describe(rows, day), total


def _page_ids(conditions: list, page: int, per_page: int) -> tuple[list[int], int]:
    """The ids of one page in list order, and the total (the count reads only the status index)."""
    ids = list(db.session.scalars(select(Group.id).where(*conditions).order_by(Group.name, Group.id)
                                  .limit(per_page).offset((page - 1) * per_page)))
    return ids, db.session.scalar(select(func.count()).select_from(Group).where(*conditions))


def accredited_ids(day: date, version: http_cache.DataVersion) -> frozenset[int]:
    """The ids of the groups accredited on ``day`` (``standing.accredited_group_ids``) at data
    ``version``: one set-based query per worker while the version holds (any write to a group,
    a leader or an accreditation, or a new day, makes a new version)."""
    memo = current_app.extensions.setdefault(ACCREDITED_MEMO, {})
    key = (day, version.token)
    ids = memo.get(key)
    if ids is None:
        ids = frozenset(db.session.scalars(accredited_group_ids(day)))
        memo.clear()
        memo[key] = ids
    return ids


def _accredited_page_ids(filters: dict, day: date, page: int, per_page: int,
                         version: http_cache.DataVersion) -> tuple[list[int], int]:
    """A page of the ``accredited`` filter: the other filters' ids in list order (from the index),
    kept when their accredited state is the one asked; the state from ``accredited_ids``."""
    accredited = accredited_ids(day, version)
    others = _conditions({name: value for name, value in filters.items() if name != "accredited"}, day)
    # Thousands of ids: read on the connection, without the ORM's work per row (half the cost).
    in_order = db.session.connection().execute(
        select(Group.id).where(*others).order_by(Group.name, Group.id)).scalars().all()
    matching = [group_id for group_id in in_order if (group_id in accredited) == filters["accredited"]]
    start = (page - 1) * per_page
    return matching[start:start + per_page], len(matching)


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

    # The serving leaders with their valid accreditations in one query: a leader holding several
    # has a row for each, one without any a row of NULLs.
    leaders: dict[int, dict[int, tuple]] = {}
    for row in db.session.execute(_leaders_with_accreditations(ids, day)):
        group = leaders.setdefault(row.group_id, {})
        leader, held = group.get(row.leader_id, (row, []))
        if row.granted_on is not None:
            held.append(row)
        group[row.leader_id] = (leader, held)

    described = []
    for row in rows:
        group_leaders = sorted(leaders.get(row.id, {}).values(), key=lambda pair: pair[0].role != "leader")
        people = [_leader(leader, _best(held, row.society_id)) for leader, held in group_leaders]
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
        "leader_professions": sorted({leader.profession for leader, _held in leaders}),
    }


def _leaders_with_accreditations(group_ids: list[int], day: date):
    """The leaders serving ``group_ids`` on ``day``, in order, each outer-joined to the accreditations
    valid that day, with credential and latest unrevoked certificate."""
    latest_certificate = (
        select(Certificate.number)
        .where(Certificate.accreditation_id == Accreditation.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        .limit(1).correlate(Accreditation).scalar_subquery()
    )
    return (
        select(GroupLeader.group_id, GroupLeader.id.label("leader_id"), GroupLeader.person_id, GroupLeader.role,
               GroupLeader.is_trainee, Person.given_name, Person.family_name, Person.profession,
               Accreditation.granted_on, Accreditation.expires_on, RuleSet.credential_title, RuleSet.society_id,
               latest_certificate.label("certificate_number"))
        .join(Person, Person.id == GroupLeader.person_id)
        .outerjoin(Accreditation, and_(Accreditation.person_id == GroupLeader.person_id, valid_on(day)))
        .outerjoin(RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id)
        .outerjoin(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
        .where(GroupLeader.group_id.in_(group_ids), leader_serving_on(day))
        .order_by(GroupLeader.group_id, GroupLeader.starts_on, GroupLeader.id)
    )


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
