"""The member list on PostgreSQL, the production database (bench/members_list.py measures it at
100,000 members): no JIT compilation, and a search evaluated once for its page and its total."""
import pytest
from sqlalchemy import event, text

from society.extensions import db

from . import factories
from .test_members import make_people, names


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
