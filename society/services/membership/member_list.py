"""The administrators' member list: search, filters, sorting, and the rows of one page.

One set of conditions serves the page and the CSV export, so an export holds exactly
what the page shows. Filters are set-based (uncorrelated subqueries); the derived status
and the dues state of the rows shown come from two queries per page, never one per row.

Speed at 100,000 members (bench/members_list.py), on SQLite without statistics too:
* a search is resolved to the matching people's ids first when they are few (on SQLite from
  the trigram index ``people_search``, without reading people); the query then starts from
  them; only a broad search stays a subquery;
* the matches are counted on a covering index of ``memberships`` (active members as two
  index counts); a small result (``SMALL_RESULT`` or fewer) is then collected whole and only
  its rows are joined to people and sorted, so a selective filter never walks a whole index
  looking for rare matches;
* a page of a large result is read in the order of an index (people by name, memberships
  by join date or category) and stops after one page; on PostgreSQL the first pages of a small
  result by name too, when its matches are dense enough (``_walk_by_name``), each member's
  dues then looked up on their own;
* at most one IN condition of a query may drive index lookups (see ``unindexed_id``).
"""
from dataclasses import dataclass, field, replace
from datetime import date
from types import SimpleNamespace

from sqlalchemy import and_, column, func, literal_column, or_, select, table

from ...extensions import db
from ...models import DuesPayment, Membership, Person
from ...models.people import PROFESSIONS
from .status import in_force, membership_status, overdue_dues, owes, status_condition, unindexed_id
from ..platform.planner import drive_from, estimated_rows, needs_planner_hints, off_index
from ..platform.text_search import person_matches

SORTS = ("name", "-name", "joined", "-joined", "category", "-category")
SMALL_RESULT = 5000
FEW_PEOPLE = 5000
WALK_ROWS = 1000  # PostgreSQL: pages that start within this many rows walk people in name order


@dataclass(frozen=True)
class MemberFilters:
    """What the administrator asked for; every field optional."""

    q: str = ""
    category: str | None = None
    status: str | None = None
    unpaid: str | None = None  # "any" (some dues row unpaid) or a period ("2025")
    sort: str = "name"


@dataclass
class Page:
    """One page of the list, shaped like Flask-SQLAlchemy's pagination for the pager macro."""

    page: int
    per_page: int
    total: int
    rows: list = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# -- conditions ------------------------------------------------------------------------

def professions_matching(word: str, labels: dict[str, str]) -> list[str]:
    """Profession codes whose code or (translated) label contains ``word``."""
    word = word.casefold()
    return [code for code in PROFESSIONS
            if word in code.replace("_", " ") or word in str(labels.get(code, "")).casefold()]


# SQLite's trigram index of people's names and e-mails (migration 0002).
people_search = table("people_search", column("rowid"))
TRIGRAM = 3  # the shortest word the trigram index can look up


def _trigram_lookup(words: list[str]):
    """SELECT of the ids of people whose names or e-mail contain every word (SQLite's trigram index)."""
    # Each word an FTS5 string (a literal, any column), all of them required.
    query = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
    return select(people_search.c.rowid).where(literal_column("people_search").op("MATCH")(query))


def _trigram_usable(words: list[str]) -> bool:
    return bool(words) and all(len(w) >= TRIGRAM for w in words) and db.session.get_bind().dialect.name == "sqlite"


def _names_containing(word: str):
    """Condition on Person: the given or family name or the e-mail contains ``word``, case-insensitively.

    On SQLite a word of three letters or more is looked up in the trigram index instead of
    scanning every person; shorter words, and PostgreSQL, use (I)LIKE."""
    if _trigram_usable([word]):
        return Person.id.in_(_trigram_lookup([word]))
    return person_matches(word)


def people_matching(q: str, labels: dict[str, str] | None = None):
    """SELECT of the ids of people matching the search, for collecting them: straight from the
    trigram index when it can answer alone (no word is short or names a profession)."""
    words = q.split()
    if _trigram_usable(words) and not any(professions_matching(w, labels or {}) for w in words):
        return _trigram_lookup(words)
    return select(Person.id).where(search_condition(q, labels))


def search_condition(q: str, labels: dict[str, str] | None = None):
    """Condition on Person: every word matches the given or family name, the e-mail or the profession."""
    conditions = []
    for word in q.split():
        options = [_names_containing(word)]
        professions = professions_matching(word, labels or {})
        if professions:
            options.append(Person.profession.in_(professions))
        conditions.append(or_(*options))
    return and_(*conditions) if conditions else None


def membership_conditions(society_id: int, filters: MemberFilters, day: date, grace_days: int, *,
                          drive: bool = False, by_people: bool = False, per_member: bool = False) -> list:
    """Conditions on Membership for the society and every filter but the search.

    With ``drive``, a filter on owed dues (status lapsed or dues overdue, dues unpaid) starts
    the query from those few dues rows: the society condition is then kept off the indexes
    (``society_id + 0``), or SQLite would rather scan every member of the society. With
    ``by_people`` the caller starts from a list of people (a search), and the society is kept
    off the indexes for the same reason. With ``per_member`` the dues conditions look up each
    member's own dues (for a page walked member by member, see ``status_condition``)."""
    by_dues = drive and (filters.status in ("lapsed", "dues_overdue") or bool(filters.unpaid))
    society = (off_index(Membership.society_id) if by_dues or by_people else Membership.society_id) == society_id
    conditions = [society]
    if filters.category:
        conditions.append(Membership.category == filters.category)
    if filters.status:
        conditions.append(status_condition(filters.status, day, grace_days, drive=by_dues, per_member=per_member))
        by_dues = by_dues and filters.status not in ("lapsed", "dues_overdue")
    if filters.unpaid:
        unpaid_row = (DuesPayment.paid_on.is_(None),)
        if filters.unpaid != "any":
            unpaid_row += (DuesPayment.period == int(filters.unpaid),)
        if per_member:
            conditions.append(owes(unpaid_row))
        else:
            unpaid = select(DuesPayment.membership_id).where(*unpaid_row)
            conditions.append((Membership.id if by_dues else unindexed_id()).in_(unpaid))
    return conditions


@dataclass
class _Plan:
    conditions: list  # on Membership, the search included
    search: object | None  # the search as a condition on Person, for walking people in name order
    nothing: bool = False  # the search matched nobody


def _plan(society_id: int, filters: MemberFilters, day: date, grace_days: int, labels) -> _Plan:
    search = search_condition(filters.q, labels)
    if search is None:
        return _Plan(membership_conditions(society_id, filters, day, grace_days, drive=True), None)
    if needs_planner_hints():
        # Core, not the ORM: thousands of ids come back, and ORM row handling would cost more than the scan.
        matching = people_matching(filters.q, labels)
        few = db.session.connection().execute(matching.limit(FEW_PEOPLE + 1)).scalars().all()
        if len(few) <= FEW_PEOPLE:
            # Few people match: start from them (the only IN that drives an index).
            conditions = membership_conditions(society_id, filters, day, grace_days, by_people=True)
            return _Plan([*conditions, Membership.person_id.in_(few)], search, nothing=not few)
        # Many people match: the other filters drive, each member is checked against the matches.
        conditions = membership_conditions(society_id, filters, day, grace_days, drive=True)
        return _Plan([*conditions, off_index(Membership.person_id).in_(select(Person.id).where(search))], search)
    # PostgreSQL finds the matching people through its trigram indexes, once, and looks their
    # memberships up by person (an IN read every membership into a hash join: 3,900 matches of
    # 100,000 members in 35 ms instead of a few), rather than receiving thousands of ids as parameters.
    # The search is the one driver: an array the index does not look up is searched row by row.
    conditions = membership_conditions(society_id, filters, day, grace_days)
    return _Plan([*conditions, drive_from(Membership.person_id, select(Person.id).where(search))], search)


def all_conditions(society_id: int, filters: MemberFilters, day: date, grace_days: int,
                   labels: dict[str, str] | None = None) -> list:
    """Conditions on Membership for every filter, the search included."""
    conditions = membership_conditions(society_id, filters, day, grace_days, drive=True)
    search = search_condition(filters.q, labels)
    if search is not None:
        conditions.append(off_index(Membership.person_id).in_(select(Person.id).where(search)))
    return conditions


# -- one page --------------------------------------------------------------------------

# The columns a page is sorted by, on the tables; a subquery of the matches offers the same names.
_TABLE_COLUMNS = SimpleNamespace(person_id=Person.id, family_name=Person.family_name, given_name=Person.given_name,
                                 membership_id=Membership.id, joined_on=Membership.joined_on,
                                 category=Membership.category)


def _order(sort: str, row=_TABLE_COLUMNS) -> list:
    """ORDER BY for ``sort`` on the columns of ``row``: the tables, or a subquery of the matches."""
    columns = {"name": (row.family_name, row.given_name, row.person_id),
               "joined": (row.joined_on, row.membership_id),
               "category": (row.category, row.membership_id)}[sort.lstrip("-")]
    return [c.desc() for c in columns] if sort.startswith("-") else list(columns)


def count_statement(conditions: list):
    return select(func.count()).select_from(Membership).where(*conditions)


def count(conditions: list) -> int:
    return db.session.scalar(count_statement(conditions))


def total_without_search(society_id: int, filters: MemberFilters, day: date, grace_days: int):
    """SELECT count: the list's total for ``filters`` without a search (other than the "active"
    status, counted by ``_count_active``). The page runs it, and the dashboard's member tiles
    embed it, so a tile and the list it links to never disagree."""
    return count_statement(membership_conditions(society_id, filters, day, grace_days, drive=True))


def _count_active(society_id: int, filters: MemberFilters, day: date) -> int:
    """Active members counted as (in force) - (in force and owing): two counts that read an
    index each, cheaper on SQLite than testing each of 100,000 members against the owed dues.
    (PostgreSQL counts them directly: one scan with the owed dues hashed once.)"""
    others = membership_conditions(society_id, replace(filters, status=None), day, 0)
    in_force_count = count([*others, in_force(day)])
    owing = [off_index(Membership.society_id) == society_id, *others[1:], in_force(day), Membership.id.in_(overdue_dues(day))]
    return in_force_count - count(owing)


def _page_of_small_result(conditions: list, sort: str, offset: int, limit: int) -> list[int]:
    # The count said few match: they are collected first, then sorted. The LIMIT keeps them a
    # subquery of their own, which neither database flattens into the sorted query.
    if needs_planner_hints():
        # SQLite: the matches' ids alone (answered from indexes), then only they are joined to people.
        matches = select(Membership.id.label("mid")).where(*conditions).limit(SMALL_RESULT + 1).subquery()
        statement = (select(Person.id).join(Membership, Membership.person_id == Person.id)
                     .join(matches, matches.c.mid == Membership.id).order_by(*_order(sort)))
    else:
        # PostgreSQL, planning the whole query, would walk people in name order hoping to meet
        # a page of matches early, and may read most of them to find a few hundred.
        matches = _matches(conditions)
        statement = select(matches.c.person_id).order_by(*_order(sort, matches.c))
    return list(db.session.scalars(statement.offset(offset).limit(limit)))


def _matches(conditions: list):
    """PostgreSQL: at most ``SMALL_RESULT`` + 1 matches with the columns a page is sorted by."""
    return (select(Person.id.label("person_id"), Person.family_name, Person.given_name,
                   Membership.id.label("membership_id"), Membership.joined_on, Membership.category)
            .join(Membership, Membership.person_id == Person.id).where(*conditions)
            .limit(SMALL_RESULT + 1).subquery())


def _searched_page_and_total(conditions: list, sort: str, offset: int, limit: int) -> tuple[list[int], int] | None:
    """PostgreSQL, a search: one page of the matches and their number from one query, so the search
    runs once rather than once to count and again to sort (at 100,000 members, 15 to 20 ms each).
    None when more than ``SMALL_RESULT`` match, or the page lies past the last match: the caller
    then counts and pages as for any other filter."""
    matches = _matches(conditions)
    rows = db.session.execute(select(matches.c.person_id, func.count().over()).order_by(*_order(sort, matches.c))
                              .offset(offset).limit(limit)).all()
    if not rows or rows[0][1] > SMALL_RESULT:
        return None
    return [row[0] for row in rows], rows[0][1]


def _walk_by_name(total: int, offset: int, limit: int) -> bool:
    """PostgreSQL, sorted by name: whether to walk people in name order and check each one, rather
    than collect every match and sort them. A walk meets about ``people / total`` people per match
    and checks each one for about what collecting costs per match, so it walks when it meets at most
    half as many people as there are matches: the first pages of 3,700 lapsed members of 100,000
    check 1,300 people where collecting joined 3,700 to their people and sorted them; 2,400 resigned
    members are collected. A large result walks only its first pages (``WALK_ROWS``); a far page of
    one is a join."""
    if total > SMALL_RESULT:
        return offset < WALK_ROWS
    people = estimated_rows("people")
    return people is not None and 2 * (offset + limit) * people <= total * total


def _page_of_large_result(society_id: int, filters: MemberFilters, plan: _Plan, sort: str, offset: int,
                          limit: int, day: date, grace_days: int, *, walk: bool = False) -> list[int]:
    if sort.lstrip("-") == "name":
        # Walk people in name order (ix_people_family_given); keep this society's matching members.
        member = select(Membership.id).where(Membership.person_id == Person.id, *membership_conditions(
            society_id, filters, day, grace_days, per_member=walk))
        if walk:
            # PostgreSQL turns EXISTS into a join of every matching member, then sorts them all
            # (80,000 active members: a tenth of a second). An OFFSET keeps it a check per person
            # instead, so the first pages stop after a few hundred people, each member's dues looked
            # up on their own; far pages keep the join.
            member = member.offset(0)
        member = member.exists()
        statement = select(Person.id).where(member)
        if plan.search is not None:
            statement = statement.where(plan.search)
    else:
        # Walk memberships in join-date or category order (ix_memberships_society_joined / _category).
        conditions = plan.conditions
        if plan.search is None and not needs_planner_hints():
            # PostgreSQL checks each member's own dues: the count's array of 12,000 overdue members
            # would be searched element by element for every member walked.
            conditions = membership_conditions(society_id, filters, day, grace_days, per_member=True)
        statement = select(Membership.person_id).where(*conditions)
    return list(db.session.scalars(statement.order_by(*_order(sort)).offset(offset).limit(limit)))


def page(society_id: int, filters: MemberFilters, day: date, grace_days: int, *, page_number: int = 1,
         per_page: int = 50, labels: dict[str, str] | None = None) -> Page:
    """One page of the list: the total, and the display rows of that page in order."""
    sort = filters.sort if filters.sort in SORTS else "name"
    page_number = max(1, page_number)
    offset = (page_number - 1) * per_page
    plan = _plan(society_id, filters, day, grace_days, labels)
    if plan.search is not None and not plan.nothing and not needs_planner_hints():
        found = _searched_page_and_total(plan.conditions, sort, offset, per_page)
        if found is not None:
            person_ids, total = found
            return Page(page_number, per_page, total, rows_for(society_id, person_ids, day, grace_days))
    if plan.nothing:
        total = 0
    elif filters.status == "active" and plan.search is None and needs_planner_hints():
        total = _count_active(society_id, filters, day)
    elif plan.search is None:
        total = db.session.scalar(total_without_search(society_id, filters, day, grace_days))
    else:
        total = count(plan.conditions)
    small = total <= SMALL_RESULT
    if offset >= total:
        return Page(page_number, per_page, total)
    walk = not needs_planner_hints() and sort.lstrip("-") == "name" and _walk_by_name(total, offset, per_page)
    if small and not walk:
        person_ids = _page_of_small_result(plan.conditions, sort, offset, per_page)
    else:
        person_ids = _page_of_large_result(society_id, filters, plan, sort, offset, per_page, day, grace_days,
                                           walk=walk)
    return Page(page_number, per_page, total, rows_for(society_id, person_ids, day, grace_days))


@dataclass(frozen=True)
class MemberRow:
    """What one line of the list (and of an export) shows."""

    membership_id: int
    person_id: int
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    profession: str
    category: str
    joined_on: date
    ended_on: date | None
    end_reason: str | None
    status: str
    current_period: int
    current_dues: str  # "paid", "unpaid" or "none" (no dues raised for the period)
    current_paid_on: date | None
    unpaid_periods: int


_ROW_COLUMNS = (Membership.id, Person.id, Person.given_name, Person.family_name, Person.email, Person.phone,
                Person.profession, Membership.category, Membership.joined_on, Membership.ended_on,
                Membership.end_reason)


def _dues_by_membership(membership_ids: list[int]) -> dict[int, list]:
    dues: dict[int, list] = {}
    if membership_ids:
        for row in db.session.execute(
                select(DuesPayment.membership_id, DuesPayment.period, DuesPayment.due_on, DuesPayment.paid_on)
                .where(DuesPayment.membership_id.in_(membership_ids))):
            dues.setdefault(row.membership_id, []).append(row)
    return dues


def _member_rows(rows, day: date, grace_days: int) -> list[MemberRow]:
    """Display rows for these (membership, person) rows, their dues read in one query."""
    dues = _dues_by_membership([row[0] for row in rows])
    result = []
    for row in rows:
        own = dues.get(row[0], [])
        current = next((d for d in own if d.period == day.year), None)
        result.append(MemberRow(
            *row, status=membership_status(row.ended_on, own, day, grace_days), current_period=day.year,
            current_dues="none" if current is None else ("paid" if current.paid_on else "unpaid"),
            current_paid_on=current.paid_on if current else None,
            unpaid_periods=sum(1 for d in own if d.paid_on is None)))
    return result


def rows_for(society_id: int, person_ids: list[int], day: date, grace_days: int) -> list[MemberRow]:
    """The display rows of these members, in the order given: two queries, whatever the count."""
    if not person_ids:
        return []
    rows = db.session.execute(
        select(*_ROW_COLUMNS).join(Person, Person.id == Membership.person_id)
        .where(Membership.society_id == society_id, Membership.person_id.in_(person_ids))
    ).all()
    by_person = {row.person_id: row for row in _member_rows(rows, day, grace_days)}
    return [by_person[i] for i in person_ids if i in by_person]


def export_rows(society_id: int, filters: MemberFilters, day: date, grace_days: int,
                labels: dict[str, str] | None = None, chunk: int = 1000):
    """Every row matching ``filters`` in the list's order, streamed chunk by chunk
    (one query for the dues of each chunk)."""
    sort = filters.sort if filters.sort in SORTS else "name"
    statement = (select(*_ROW_COLUMNS).join(Person, Person.id == Membership.person_id)
                 .where(*all_conditions(society_id, filters, day, grace_days, labels))
                 .order_by(*_order(sort)))
    result = db.session.execute(statement.execution_options(yield_per=chunk))
    for rows in result.partitions():
        yield from _member_rows(rows, day, grace_days)
