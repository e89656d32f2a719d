"""The public directory: groups and societies as the world may see them.

A group is *accredited* on a day when at least one of its leaders on that day (the
assignment's dates cover it) who is not a trainee holds an accreditation valid on
that day (``standing.valid_on``): ``group_standing.accredited_group``, the rule the lapse
scan flags by; ``describe`` applies it to the rows of a page. The API publishes what ``describe``
says as each group's stored summary (``summaries.py``), rewritten with every change behind it.

A page costs a fixed number of queries whatever its size and depth. For the API (which gives the
data version) the filter's ids in list order are read once per worker and version and kept
(``ordered_ids``): the total is their number and a page their slice, so no request counts and a deep
page costs what the first does. The finder reads a page's ids from ``ix_groups_name_id`` (name, id,
status) and counts. Then two prepared statements (``_page_statements``) read only the page's rows:
its groups (with their society and audience) and their current leaders each with the accreditations
valid that day and the latest certificate (the accredited state comes with the leaders). The
``accredited`` filter keeps the ids whose state, from one set of accredited group ids
(``standing.accredited_group_ids``, read once per worker and data version: ``accredited_ids``), is
the one asked; without a version it is ``Group.id IN (...)``, built once per query; never a test
per group.
"""
import functools
import threading
from array import array
from collections import OrderedDict
from datetime import date, datetime, time, timezone
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Date, Enum, String, and_, bindparam, exists, func, not_, or_, select, type_coerce

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
ORDERED_IDS_MEMO = "society_directory_ordered_ids"  # app.extensions key: {(version, day, filters): ids in order}
ORDERED_IDS_KEPT = 64  # filters whose ordered ids a worker keeps (10,000 ids are 80 kB)
_memo_lock = threading.Lock()
# The tables a directory answer reads; their latest change versions the answer.
GROUP_TABLES = (Group, GroupLeader, Person, Accreditation, Certificate, RuleSet, Society)
SOCIETY_TABLES = (Society,)


def groups_version(day: date, reuse_for: float = 0) -> http_cache.DataVersion:
    return http_cache.data_version(GROUP_TABLES, day, reuse_for=reuse_for)


def kept_groups_version(engine, day: date) -> http_cache.DataVersion | None:
    """``groups_version`` as this worker read it lately, or None (``http_cache.recent_version``)."""
    return http_cache.recent_version(engine, GROUP_TABLES, day)


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


@functools.cache
def _page_statements():
    """The three statements that read a page's groups by id (``ids``, expanding) on ``day``:
    built once, so a request neither rebuilds nor recompiles them (SQLAlchemy caches the
    compiled form by the statement's key)."""
    day, ids = bindparam("day", type_=Date), bindparam("ids", expanding=True)
    leaders_changed = (select(func.max(GroupLeader.updated_at)).where(GroupLeader.group_id == Group.id)
                       .correlate(Group).scalar_subquery())
    # The audience as one string per group (professions are codes without commas): no query of its own.
    audience = (select(func.aggregate_strings(GroupAudience.profession, ","))
                .where(GroupAudience.group_id == Group.id).correlate(Group).scalar_subquery())
    groups = (
        select(*_as_read(Group.id, Group.name, Society.code, Society.name.label("society_name"), Group.society_id,
                         Group.city, Group.country, Group.format, Group.language, Group.rhythm,
                         Group.session_minutes, Group.accepting_members, Group.starts_on, Group.ends_on,
                         Group.status, Group.updated_at, leaders_changed.label("leaders_changed"),
                         audience.label("audience"), *JOIN_COLUMNS))
        .join(Society, Society.id == Group.society_id)
        .where(Group.id.in_(ids))
    )
    leaders = _leaders_with_accreditations(ids, day)
    return groups, leaders.with_only_columns(*_as_read(*leaders.selected_columns), maintain_column_froms=True)


def _as_read(*columns):
    """Enumerated columns as the text stored: the page publishes the codes, and checking each one
    against its type's list on the way out cost a tenth of the page (hundreds per page)."""
    return [type_coerce(column, String).label(column.key) if isinstance(column.type, Enum) else column
            for column in columns]


def group_rows(group_ids: list[int], day: date, connection=None) -> tuple[list, list]:
    """The groups ``group_ids`` (in no particular order) and their leaders serving on ``day``, as
    plain rows read on the connection (no ORM identity work for what is only published)."""
    groups, leaders = _page_statements()
    connection = connection if connection is not None else db.session.connection()
    return (connection.execute(groups, {"ids": group_ids}).all(),
            connection.execute(leaders, {"ids": group_ids, "day": day}).all())


def find_groups(filters: dict, day: date, page: int, per_page: int,
                version: http_cache.DataVersion | None = None, published: bool = False) -> tuple[list[dict], int]:
    """One page of the groups matching ``filters`` (as GroupQuerySchema loads them) and the total.

    With the data ``version`` (the API), the filter's ids in list order come from ``ordered_ids``
    (read once per worker, filter and version), so any page, however deep, is a slice; without
    it (the finder) the page's ids are read from the index in list order (``ix_groups_name_id``:
    name, id, status). Either way only the page's rows are then read and described (``published``:
    in the API's form, see ``describe``)."""
    if version is not None:
        in_order = ordered_ids(filters, day, version)
        start = (page - 1) * per_page
        ids, total = list(in_order[start:start + per_page]), len(in_order)
    else:
        ids, total = _page_ids(_conditions(filters, day), page, per_page)
    if not ids:
        return [], total
    rows, leaders = group_rows(ids, day)
    position = {group_id: number for number, group_id in enumerate(ids)}
    rows.sort(key=lambda row: position[row[0]])
    return describe(rows, leaders, published), total


def _page_ids(conditions: list, page: int, per_page: int) -> tuple[list[int], int]:
    """The ids of one page in list order, and the total (the count reads only the status index)."""
    ids = list(db.session.scalars(select(Group.id).where(*conditions).order_by(Group.name, Group.id)
                                  .limit(per_page).offset((page - 1) * per_page)))
    return ids, db.session.scalar(select(func.count()).select_from(Group).where(*conditions))


def _filters_key(filters: dict) -> tuple:
    """The filters as a hashable key, without the page's position."""
    def plain(value):
        return tuple(sorted(value)) if isinstance(value, (list, tuple, set)) else value

    return tuple(sorted((name, plain(value)) for name, value in filters.items() if name not in ("page", "per_page")))


def ordered_ids(filters: dict, day: date, version: http_cache.DataVersion) -> array:
    """The ids of every group matching ``filters``, in list order (name, id), at data ``version``.

    Read once per worker while the version holds (any write to a table a page reads, or a new
    day, makes a new one) and kept for the last ``ORDERED_IDS_KEPT`` filters: the total is its
    length and a page its slice, so a deep page costs what the first does and no request counts.
    The ``accredited`` filter keeps the other filters' ids whose state (``accredited_ids``) is the
    one asked: a set lookup per id, never a test per group in SQL."""
    found = kept_ordered_ids(current_app, filters, day, version)
    if found is not None:
        return found
    others = _conditions({name: value for name, value in filters.items() if name != "accredited"}, day)
    # Thousands of ids: read on the connection, without the ORM's work per row.
    in_order = db.session.connection().execute(
        select(Group.id).where(*others).order_by(Group.name, Group.id)).scalars().all()
    if "accredited" in filters:
        accredited, wanted = accredited_ids(day, version), filters["accredited"]
        in_order = [group_id for group_id in in_order if (group_id in accredited) == wanted]
    found = array("q", in_order)
    with _memo_lock:
        memo = current_app.extensions.setdefault(ORDERED_IDS_MEMO, OrderedDict())
        memo[_ordered_ids_key(filters, day, version)] = found
        while len(memo) > ORDERED_IDS_KEPT:
            memo.popitem(last=False)
    return found


def _ordered_ids_key(filters: dict, day: date, version: http_cache.DataVersion) -> tuple:
    return version.token, day, _filters_key(filters)


def kept_ordered_ids(app, filters: dict, day: date, version: http_cache.DataVersion) -> array | None:
    """``ordered_ids`` as ``app``'s worker keeps them, or None when it keeps none for these filters and
    version: no query, no application context."""
    memo = app.extensions.get(ORDERED_IDS_MEMO)
    if memo is None:
        return None
    key = _ordered_ids_key(filters, day, version)
    with _memo_lock:
        found = memo.get(key)
        if found is not None:
            memo.move_to_end(key)
        return found


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


def get_group(group_id: int, day: date) -> dict | None:
    """One group by id, whatever its status; None when there is none."""
    described = describe(*group_rows([group_id], day))
    return described[0] if described else None


def describe(rows, leader_rows, published: bool = False) -> list[dict]:
    """The groups of ``rows`` as the directory describes them, with their leaders from ``leader_rows``
    (``_leaders_with_accreditations``: one row per leader and valid accreditation, in order).

    ``published``: dates and times as ISO 8601 text, which is what ``GroupSchema`` dumps, so the
    API sends the page as it is (the schema's dump of it is the same: tests/test_public_api.py);
    otherwise date and time objects, for the finder's pages. Rows are unpacked by position, in
    the order ``_page_statements`` selects: a Row's attribute costs a microsecond, the page's
    thousands of them cost more than its queries."""
    text = _iso if published else _same
    # A leader holding several valid accreditations has a row for each, one without any a row of NULLs.
    leaders: dict[int, dict[int, tuple]] = {}
    for (group_id, leader_id, _person_id, role, is_trainee, given_name, family_name, profession,
         granted_on, expires_on, credential_title, society_id, certificate_number) in leader_rows:
        group = leaders.get(group_id)
        if group is None:
            group = leaders[group_id] = {}
        pair = group.get(leader_id)
        if pair is None:
            pair = group[leader_id] = ((role, is_trainee, f"{given_name} {family_name}", profession), [])
        if granted_on is not None:
            pair[1].append(Held(society_id, expires_on, granted_on, credential_title, certificate_number))

    described = []
    for (group_id, name, code, society_name, society_id, city, country, format_, language, rhythm,
         session_minutes, accepting_members, starts_on, ends_on, status, updated_at, leaders_changed,
         audience, setting, term, open_places, weekday, start_time, time_zone, address, cme_recognised,
         cme_recognised_by) in rows:
        group_leaders = leaders.get(group_id)
        if group_leaders:
            # Leaders first, then co-leaders, each in the order they started (sorted() is stable).
            group_leaders = sorted(group_leaders.values(), key=_co_leader_last)
            people = [_leader(leader, _best(held, society_id), text) for leader, held in group_leaders]
        else:
            group_leaders, people = [], []
        changed = updated_at if leaders_changed is None else max(updated_at, leaders_changed)
        described.append({
            "id": group_id, "name": name,
            "society": {"code": code, "name": society_name},
            "place": {"city": city, "country": country, "address": address},
            "format": format_, "language": language,
            "audience": sorted(audience.split(",")) if audience else [],
            "schedule": {"rhythm": rhythm, "session_minutes": session_minutes,
                         "weekday": weekday, "start_time": text(start_time), "time_zone": time_zone},
            "accepting_members": accepting_members,
            "dates": {"starts_on": text(starts_on), "ends_on": text(ends_on)},
            "status": status,
            "leaders": people,
            "accredited": any(counts_as_accredited(leader[1], bool(held)) for leader, held in group_leaders),
            "updated_at": text(http_cache.as_utc(changed)),
            "join": {
                "setting": setting, "term": term, "open_places": open_places,
                "cme": {"recognised": cme_recognised, "recognised_by": cme_recognised_by},
                "leader_professions": sorted({leader[3] for leader, _held in group_leaders}),
            },
        })
    return described


class Held(NamedTuple):
    """A valid accreditation a leader holds, as the page shows it."""
    society_id: int
    expires_on: date | None
    granted_on: date
    credential_title: str
    certificate_number: str | None


def _co_leader_last(pair: tuple) -> bool:
    return pair[0][0] != "leader"


def _same(value):
    return value


def _iso(value: date | datetime | time | None) -> str | None:
    return None if value is None else value.isoformat()


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
    if len(accreditations) < 2:
        return accreditations[0] if accreditations else None
    return max(accreditations, key=lambda a: (a.society_id == society_id, a.expires_on is None,
                                              a.expires_on or date.min, a.granted_on))


def _leader(leader: tuple, accreditation: Held | None, text=_same) -> dict:
    role, is_trainee, name, _profession = leader
    if accreditation is not None:
        standing = {"status": "accredited", "credential": accreditation.credential_title,
                    "valid_until": text(accreditation.expires_on),
                    "certificate_number": accreditation.certificate_number}
    else:
        standing = {"status": "in_training" if is_trainee else "not_accredited",
                    "credential": None, "valid_until": None, "certificate_number": None}
    return {"name": name, "role": role, "trainee": is_trainee, "accreditation": standing}


def find_societies(page: int, per_page: int) -> tuple[list[dict], int]:
    total = db.session.scalar(select(func.count(Society.id)))
    rows = db.session.execute(
        select(Society.code, Society.name, Society.country, Society.languages, Society.website)
        .order_by(Society.code).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [{"code": row.code, "name": row.name, "country": row.country, "website": row.website,
             "languages": [code.strip() for code in row.languages.split(",") if code.strip()]}
            for row in rows], total
