"""The member list on PostgreSQL, the production database (bench/members_list.py measures it at
100,000 members): no JIT compilation, and a search evaluated once for its page and its total."""
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from society.extensions import db

from . import factories
from .test_members import TODAY, make_people, names


@pytest.fixture
def postgresql():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")


def test_connections_do_not_jit_compile_queries(postgresql):
    # JIT took 8 to 50 ms per filtered page at 100,000 members, more than the query itself.
    assert db.session.scalar(text("SHOW jit")) == "off"


def test_a_search_reads_its_page_and_its_total_in_one_query(postgresql, admin_client, society):
    for n in range(7):
        factories.member(society, given_name=f"Anna{n}", family_name=f"Lindqvist{n}")
    factories.member(society, given_name="Bo", family_name="Ek")
    db.session.commit()
    searches = []

    def note(conn, cursor, statement, *args):
        if "ILIKE" in statement.upper():
            searches.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = admin_client.get("/admin/members/?q=lindqvist")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert names(response) == [f"Lindqvist{n}, Anna{n}" for n in range(7)]
    assert ">7 found</small>" in response.get_data(as_text=True)
    assert len(searches) == 1, searches  # no separate count
    # The matching people's memberships are looked up by person, not found by reading every membership.
    assert "memberships.person_id = ANY (array((SELECT people.id" in searches[0], searches
    past_the_end = admin_client.get("/admin/members/?q=lindqvist&page=2")
    assert past_the_end.status_code == 200 and ">7 found</small>" in past_the_end.get_data(as_text=True)


def test_lapsed_members_are_looked_up_from_their_dues_not_by_reading_every_member(postgresql, admin_client, society):
    # At 100,000 members an IN planned as a hash join read every membership to find 3,700 lapsed
    # ones; = ANY(ARRAY(...)) looks each one up through the primary key (half the CPU).
    make_people(society)
    db.session.commit()
    statements = []

    def note(conn, cursor, statement, *args):
        if "FROM memberships" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = admin_client.get("/admin/members/?status=lapsed")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert names(response) == ["Holm, Cecilia"]
    counts = [s for s in statements if "count(*)" in s]
    assert counts and "memberships.id = ANY (array((SELECT dues_payments.membership_id" in counts[0], counts


def test_a_search_among_lapsed_members_drives_from_one_array_only(postgresql, admin_client, society):
    # Two arrays would leave one of them a filter, searched element by element for each row
    # (lapsed members named Anna at 100,000 members: 90 ms instead of 20).
    make_people(society)
    db.session.commit()
    searches = []

    def note(conn, cursor, statement, *args):
        if "ILIKE" in statement.upper():
            searches.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = admin_client.get("/admin/members/?status=lapsed&q=cecilia")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert names(response) == ["Holm, Cecilia"]
    assert searches and all(s.count("= ANY (array(") == 1 for s in searches), searches


def _statements_of(client, url, needle):
    seen = []

    def note(conn, cursor, statement, *args):
        if needle in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return response, seen


def test_overdue_members_are_counted_from_their_unpaid_dues_each_member_looked_up_once(
        postgresql, admin_client, society):
    # At 100,000 members a hash of 20,000 unpaid rows probed by every member cost twice as much as
    # grouping each member's unpaid rows (read in membership order) and looking up the 12,000 found.
    active, overdue, lapsed, _resigned = make_people(society)
    factories.dues(lapsed, TODAY.year, due_on=TODAY - timedelta(days=1))  # overdue this year too: still lapsed
    db.session.commit()
    response, counts = _statements_of(admin_client, "/admin/members/?status=dues_overdue", "count(*)")
    assert names(response) == ["Ek, Bo"]
    assert ">1 found</small>" in response.get_data(as_text=True)
    assert counts and "memberships.id = ANY (array((SELECT dues_payments.membership_id" in counts[0], counts
    assert "GROUP BY dues_payments.membership_id" in counts[0], counts


def test_a_few_matches_among_many_people_are_walked_in_name_order_on_their_first_page(
        postgresql, admin_client, society, monkeypatch):
    # 3,700 lapsed members of 100,000: the first page checks 1,300 people in name order, where
    # collecting joined all 3,700 to their people and sorted them (twice the time).
    from society.services.membership import member_list

    make_people(society)
    db.session.commit()
    walk = "SELECT people.id \nFROM people \nWHERE EXISTS"
    monkeypatch.setattr(member_list, "estimated_rows", lambda table: 7)  # 1 lapsed member of 7 people
    response, walks = _statements_of(admin_client, "/admin/members/?status=lapsed", walk)
    assert names(response) == ["Holm, Cecilia"] and not walks  # 2 * 50 * 7 > 1 * 1: collected
    monkeypatch.setattr(member_list, "estimated_rows", lambda table: 0)  # as dense as can be: walked
    response, walks = _statements_of(admin_client, "/admin/members/?status=lapsed", walk)
    assert names(response) == ["Holm, Cecilia"] and walks, walks
    monkeypatch.setattr(member_list, "estimated_rows", lambda table: None)  # never analysed: collected
    response, walks = _statements_of(admin_client, "/admin/members/?status=lapsed", walk)
    assert names(response) == ["Holm, Cecilia"] and not walks


def test_the_planner_estimate_of_a_table_comes_from_its_statistics(postgresql, society):
    from society.services.platform import planner

    for n in range(3):
        factories.member(society, family_name=f"Estimate{n}")
    db.session.flush()
    db.session.execute(text("ANALYZE people"))
    assert planner.estimated_rows("people") == db.session.scalar(text("SELECT count(*) FROM people"))


def test_a_page_in_category_order_checks_each_members_own_dues_not_the_counts_array(
        postgresql, admin_client, society, monkeypatch):
    # The count's array of 12,000 overdue members, as a filter of a walk in category order, was
    # searched element by element for every member walked (a slower page than before it existed).
    from society.services.membership import member_list

    make_people(society)
    db.session.commit()
    monkeypatch.setattr(member_list, "SMALL_RESULT", 0)  # walked in category order, as a large result
    response, pages = _statements_of(admin_client, "/admin/members/?status=dues_overdue&sort=-category",
                                     "ORDER BY memberships.category DESC")
    assert names(response) == ["Ek, Bo"]
    assert pages and "= ANY (array(" not in pages[0] and "dues_payments.membership_id = memberships.id" in pages[0]
