"""The administrator's home: what needs attention, and the figures behind the charts.

Each function is one set-based query (GROUP BY over the society's rows), so the page
costs a handful of queries whatever the society's size. ``today`` is a parameter.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, and_, case, func, literal, or_, select, union_all

from ...extensions import db
from ...models import Accreditation, Group, Membership, RuleSet, RuleSetVersion
from ...models.groups import GROUP_STATUSES
from ...models.people import MEMBER_CATEGORIES
from ..accreditation import listing as accreditation_listing, standing
from ..flags import inbox
from ..membership import member_list
from ..training import ledger


@dataclass(frozen=True)
class Attention:
    open_flags: int  # the flags inbox's default tab: open, not yet acknowledged
    pending_records: int  # the review list's default: pending records of the society's members
    applications: int  # the accreditation list's default tab: applied
    dues_overdue: int  # the member list filtered by status "dues overdue" (within the grace period)
    dues_lapsed: int  # the member list filtered by status "lapsed" (unpaid beyond the grace period)


def _count(stmt):
    return select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery()


def attention(society, today: date) -> Attention:
    """Counts of what waits for the administrator, in one query. Each count is the total of
    the list its tile links to, from that list's own statement (never a rule of its own)."""
    society_id, grace_days = society.id, society.dues_grace_days

    def members(status):
        return member_list.total_without_search(society_id, member_list.MemberFilters(status=status), today,
                                                grace_days).scalar_subquery()

    row = db.session.execute(select(
        _count(inbox.inbox_query(society_id, state="open")),
        _count(ledger.review_list(society_id, {"status": "pending"})),
        _count(accreditation_listing.listing(society_id, "applied")),
        members("dues_overdue"),
        members("lapsed"),
    )).one()
    return Attention(*row)


def quarter_ends(today: date, quarters: int = 12) -> list[date]:
    """The last day of each of the ``quarters`` most recent quarters; the current one ends today."""
    ends = [today]
    first_of_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for _ in range(quarters - 1):
        ends.append(first_of_quarter - timedelta(days=1))
        previous = ends[-1]
        first_of_quarter = date(previous.year, 3 * ((previous.month - 1) // 3) + 1, 1)
    return list(reversed(ends))


def month_starts(today: date, months: int = 24) -> list[date]:
    """The first day of this month and the following ``months`` months (``months + 1`` dates)."""
    starts, year, month = [], today.year, today.month
    for _ in range(months + 1):
        starts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def members_by_category(society_id: int, today: date, quarters: int = 12) -> tuple[list[date], dict[str, list[int]]]:
    """Members of each category at the end of each quarter: (days, {category: counts per day}).

    One pass over the society's memberships, GROUP BY category, one conditional count per day."""
    days = quarter_ends(today, quarters)
    member_on = [func.sum(case((and_(Membership.joined_on <= day, or_(Membership.ended_on.is_(None),
                                                                       Membership.ended_on >= day)), 1), else_=0))
                 for day in days]
    rows = db.session.execute(
        select(Membership.category, *member_on).where(Membership.society_id == society_id)
        .group_by(Membership.category)).all()
    found = {category: [int(count or 0) for count in counts] for category, *counts in rows}
    return days, {category: found[category] for category in MEMBER_CATEGORIES if any(found.get(category, []))}


def groups_by_status(society_id: int) -> dict[str, int]:
    rows = dict(db.session.execute(
        select(Group.status, func.count(Group.id)).where(Group.society_id == society_id).group_by(Group.status)).all())
    return {status: rows.get(status, 0) for status in GROUP_STATUSES}


def expiring_per_month(society_id: int, today: date, months: int = 24) -> tuple[list[date], list[int]]:
    """Accreditations valid today that expire in each of the coming months (this one from today on)."""
    starts = month_starts(today, months)
    bounds = union_all(*(
        select(literal(max(start, today), Date).label("starts"), literal(end, Date).label("ends"))
        for start, end in zip(starts, starts[1:]))).subquery("months")
    rows = db.session.execute(
        select(bounds.c.starts, func.count(Accreditation.id))
        .select_from(bounds)
        .join(Accreditation, and_(Accreditation.expires_on >= bounds.c.starts, Accreditation.expires_on < bounds.c.ends))
        .join(RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id)
        .join(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
        .where(RuleSet.society_id == society_id, standing.valid_on(today))
        .group_by(bounds.c.starts)).all()
    found = {_as_date(day).replace(day=1): count for day, count in rows}
    months_shown = starts[:-1]
    return months_shown, [found.get(start, 0) for start in months_shown]


def _as_date(value) -> date:
    # SQLite hands back a literal date from a derived table as its ISO text.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
