"""A membership's derived status: the rule's edge cases, and its SQL twin agrees with it."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from society.extensions import db
from society.models import Membership
from society.services.membership.status import STATUSES, membership_status, status_condition

from . import factories

TODAY = date(2026, 11, 23)
GRACE = 90


def dues(period, due_on, paid_on=None):
    return SimpleNamespace(period=period, due_on=due_on, paid_on=paid_on)


@pytest.mark.parametrize("ended_on, rows, expected", [
    # No dues rows at all: nothing owed.
    (None, [], "active"),
    # Ended yesterday or today: resigned, even with dues unpaid.
    (TODAY, [dues(2025, date(2025, 1, 31))], "resigned"),
    (TODAY - timedelta(days=1), [], "resigned"),
    # An end date still ahead leaves the member in good standing until then.
    (TODAY + timedelta(days=30), [], "active"),
    # Current period: due today is not late; due yesterday is overdue.
    (None, [dues(2026, TODAY)], "active"),
    (None, [dues(2026, TODAY - timedelta(days=1))], "dues_overdue"),
    # The current period never lapses, however late.
    (None, [dues(2026, date(2026, 1, 31))], "dues_overdue"),
    # A past period: on the last day of grace only overdue, the day after lapsed.
    (None, [dues(2025, TODAY - timedelta(days=GRACE))], "dues_overdue"),
    (None, [dues(2025, TODAY - timedelta(days=GRACE + 1))], "lapsed"),
    # Paid dues never count, however old.
    (None, [dues(2024, date(2024, 1, 31), date(2024, 1, 2)), dues(2025, date(2025, 1, 31), date(2025, 1, 5))], "active"),
    # A future period raised early is not owed yet.
    (None, [dues(2027, date(2026, 11, 1))], "active"),
    # Lapsed wins over overdue.
    (None, [dues(2025, date(2025, 1, 31)), dues(2026, date(2026, 1, 31))], "lapsed"),
])
def test_status_rule_edge_cases(ended_on, rows, expected):
    assert membership_status(ended_on, rows, TODAY, GRACE) == expected


def test_the_societys_grace_days_decide_when_a_past_period_lapses():
    rows = [dues(2025, date(2025, 12, 31))]
    assert membership_status(None, rows, date(2026, 2, 1), 30) == "lapsed"
    assert membership_status(None, rows, date(2026, 2, 1), 90) == "dues_overdue"


def sql_status(membership_id: int, day: date, grace: int) -> str:
    found = [s for s in STATUSES if db.session.scalar(
        select(Membership.id).where(Membership.id == membership_id, status_condition(s, day, grace)))]
    assert len(found) == 1, found  # exactly one status holds
    return found[0]


def test_sql_twin_agrees_on_each_edge_case(society):
    cases = [
        (None, [], "active"),
        (TODAY, [(2025, date(2025, 1, 31), None)], "resigned"),
        (None, [(2026, TODAY, None)], "active"),
        (None, [(2026, TODAY - timedelta(days=1), None)], "dues_overdue"),
        (None, [(2025, TODAY - timedelta(days=GRACE), None)], "dues_overdue"),
        (None, [(2025, TODAY - timedelta(days=GRACE + 1), None)], "lapsed"),
        (None, [(2025, date(2025, 1, 31), date(2025, 2, 1))], "active"),
    ]
    for ended_on, rows, expected in cases:
        membership = factories.member(society, joined_on=date(2019, 1, 1), ended_on=ended_on,
                                      end_reason="resigned" if ended_on else None)
        for period, due_on, paid_on in rows:
            factories.dues(membership, period, paid_on=paid_on, due_on=due_on)
        assert sql_status(membership.id, TODAY, GRACE) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ended=st.one_of(st.none(), st.integers(-400, 400)),
    rows=st.lists(st.tuples(st.integers(2023, 2027), st.integers(-500, 100), st.booleans()), max_size=4,
                  unique_by=lambda r: r[0]),
    grace=st.integers(0, 200),
)
def test_python_rule_and_sql_twin_agree(society, ended, rows, grace):
    membership = factories.member(society, joined_on=date(2000, 1, 1),
                                  ended_on=TODAY + timedelta(days=ended) if ended is not None else None,
                                  end_reason="resigned" if ended is not None else None)
    for period, due_offset, paid in rows:
        factories.dues(membership, period, due_on=TODAY + timedelta(days=due_offset),
                       paid_on=TODAY if paid else None)
    db.session.refresh(membership)
    assert sql_status(membership.id, TODAY, grace) == membership_status(membership.ended_on, membership.dues, TODAY, grace)
    db.session.rollback()
