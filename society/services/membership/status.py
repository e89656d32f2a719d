"""A membership's derived status: one rule, as a Python function and as SQL.

The status is never stored; it follows from the membership's end date and its dues
rows on a given day, with the society's ``dues_grace_days`` (data, not code):

* ``resigned``      the membership has ended: ``ended_on`` is set and on or before the day
                    (whatever the reason: resigned, lapsed, deceased, expelled). An end date
                    still in the future leaves the member in good standing until then.
* ``lapsed``        some dues row of a PAST period (``period`` < the day's year) is unpaid and
                    the day is more than ``dues_grace_days`` after its ``due_on``
                    (``day > due_on + grace``; on the last day of grace it is only overdue).
* ``dues_overdue``  some dues row of the current or a past period is unpaid and the day is
                    after its ``due_on`` (``day > due_on``; on the due date itself it is not late).
                    The current period never lapses, however late: it becomes a past period
                    on 1 January and lapses then if its grace is over.
* ``active``        otherwise, including a member who owes no dues rows at all.

The first that applies wins, in that order. ``membership_status`` is the rule, used for
every status shown (member pages, list rows, exports: their dues rows are loaded in one
query per page or chunk); ``status_condition`` is its SQL twin for filters and set-based
scans. Tests check that both agree.
"""
from datetime import date, timedelta
from typing import Iterable, Protocol

from sqlalchemy import and_, case, false, func, not_, or_, select, true

from ...models import DuesPayment, Membership
from ..platform.planner import drive_from, needs_planner_hints, off_index

STATUSES = ("active", "dues_overdue", "lapsed", "resigned")


class DuesLike(Protocol):
    period: int
    due_on: date
    paid_on: date | None


def membership_status(ended_on: date | None, dues: Iterable[DuesLike], day: date, grace_days: int) -> str:
    """The status on ``day`` of a membership with this end date and these dues rows."""
    if ended_on is not None and ended_on <= day:
        return "resigned"
    unpaid = [d for d in dues if d.paid_on is None]
    lapse_cutoff = day - timedelta(days=grace_days)
    if any(d.period < day.year and d.due_on < lapse_cutoff for d in unpaid):
        return "lapsed"
    if any(d.period <= day.year and d.due_on < day for d in unpaid):
        return "dues_overdue"
    return "active"


def status_of(membership: Membership, day: date, grace_days: int) -> str:
    """``membership_status`` for a Membership row (its dues are loaded if they are not)."""
    return membership_status(membership.ended_on, membership.dues, day, grace_days)


# -- the SQL twin ---------------------------------------------------------------------

def _ended(day: date):
    return and_(Membership.ended_on.is_not(None), Membership.ended_on <= day)


def _lapsing_row(day: date, grace_days: int) -> tuple:
    """Conditions on DuesPayment: an unpaid past-period row beyond its grace."""
    return (DuesPayment.paid_on.is_(None), DuesPayment.period < day.year,
            DuesPayment.due_on < day - timedelta(days=grace_days))


def _overdue_row(day: date) -> tuple:
    """Conditions on DuesPayment: an unpaid row of the current or a past period past its due date.
    Every lapsing row is one too (grace >= 0)."""
    return DuesPayment.paid_on.is_(None), DuesPayment.period <= day.year, DuesPayment.due_on < day


def lapsing_dues(day: date, grace_days: int):
    """Membership ids with an unpaid past-period row beyond its grace (an uncorrelated subquery)."""
    return select(DuesPayment.membership_id).where(*_lapsing_row(day, grace_days))


def overdue_dues(day: date):
    """Membership ids with an unpaid row of the current or a past period past its due date."""
    return select(DuesPayment.membership_id).where(*_overdue_row(day))


def overdue_not_lapsing_dues(day: date, grace_days: int):
    """Membership ids with an overdue row and no lapsing one, from one pass over their unpaid rows
    (``ix_dues_payments_unpaid_membership`` holds them in membership order, so they are grouped as read)."""
    lapsing = case((and_(*_lapsing_row(day, grace_days)[1:]), 1), else_=0)
    return (select(DuesPayment.membership_id).where(*_overdue_row(day))
            .group_by(DuesPayment.membership_id).having(func.max(lapsing) == 0))


def owes(row: tuple):
    """Condition on Membership: it has a dues row matching ``row``, looked up by membership."""
    return select(DuesPayment.id).where(DuesPayment.membership_id == Membership.id, *row).exists()


def unindexed_id():
    """``memberships.id`` off the indexes on SQLite: an IN over it is checked row by row against
    the subquery's set and never drives an index lookup (SQLite, without statistics, would
    otherwise multiply two IN lists into millions of probes)."""
    return off_index(Membership.id)


def status_condition(status: str, day: date, grace_days: int, *, drive: bool = False, per_member: bool = False):
    """SQL condition on Membership: its status on ``day`` is ``status``.

    Written with uncorrelated IN subqueries, which both databases evaluate once per query into
    a set. (On PostgreSQL, NOT EXISTS would plan as an anti-join that, on statistics stale after
    a bulk import, probes the dues once per member: seconds instead of a tenth of one.)
    With ``drive`` the query may start from the (few) unpaid dues rows of "lapsed" and
    "dues overdue"; give it to one condition of a query at most. With ``per_member`` each
    member's own dues are looked up instead (correlated EXISTS), for a query that checks a few
    members one by one (a page walked in name order) rather than building the sets."""
    ended = _ended(day)
    if per_member:
        if status == "lapsed":
            return and_(not_(ended), owes(_lapsing_row(day, grace_days)))
        if status == "dues_overdue":
            return and_(not_(ended), not_(owes(_lapsing_row(day, grace_days))), owes(_overdue_row(day)))
        if status == "active":
            return and_(not_(ended), not_(owes(_overdue_row(day))))
        return status_condition(status, day, grace_days)
    lapsing = unindexed_id().in_(lapsing_dues(day, grace_days))
    overdue = unindexed_id().in_(overdue_dues(day))
    if status == "resigned":
        return ended
    if status == "lapsed":
        # The fewest rows of all: looked up one by one, never a hash of every member.
        lapsed = drive_from(Membership.id, lapsing_dues(day, grace_days)) if drive else lapsing
        return and_(not_(ended), lapsed)
    if status == "dues_overdue":
        if drive and not needs_planner_hints():
            # PostgreSQL: the overdue members' ids from their unpaid rows alone, each looked up once
            # (a hash of 20,000 unpaid rows probed by 100,000 members cost twice as much).
            return and_(not_(ended), drive_from(Membership.id, overdue_not_lapsing_dues(day, grace_days)))
        return and_(not_(ended), not_(lapsing), (Membership.id if drive else unindexed_id()).in_(overdue_dues(day)))
    if status == "active":
        # Every lapsing row is also overdue (grace >= 0), so "not overdue" covers both.
        return and_(not_(ended), not_(overdue))
    return false() if status else true()


def in_force(day: date):
    """SQL condition on Membership: not ended on ``day`` (dues are raised for these)."""
    return or_(Membership.ended_on.is_(None), Membership.ended_on > day)
