"""The administrators' member pages: list, search, filters, sorting, pages, record, edit, dues, export."""
import csv
import io
import json
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select, text

from society.extensions import db
from society.models import AuditEvent, DuesPayment, Membership, Person

from . import factories

TODAY = date.today()
GRACE = 90  # the Society model's default


def names(response) -> list[str]:
    """The member names the list shows, in order."""
    html = response.get_data(as_text=True)
    found = []
    for part in html.split('href="/admin/members/')[1:]:
        head = part.split("</a>", 1)[0]
        if '">' in head and head.split('"', 1)[0].isdigit():
            found.append(head.split('">', 1)[1])
    return found


def statuses(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [part.split('"', 1)[0] for part in html.split('data-status="')[1:]]


def make_people(society):
    """Four members in four states, with professions and categories to filter by."""
    active = factories.member(society, given_name="Anna", family_name="Berg", email="anna.berg@example.se",
                              profession="gp", category="full", joined_on=date(2015, 5, 1))
    factories.dues(active, TODAY.year, paid_on=TODAY, due_on=TODAY)
    overdue = factories.member(society, given_name="Bo", family_name="Ek", email="bo.ek@example.se",
                               profession="physiotherapist", category="associate", joined_on=date(2018, 2, 1))
    factories.dues(overdue, TODAY.year, due_on=TODAY - timedelta(days=1))
    lapsed = factories.member(society, given_name="Cecilia", family_name="Holm", email="cecilia@example.se",
                              profession="psychologist", category="trainee", joined_on=date(2021, 9, 1))
    factories.dues(lapsed, TODAY.year - 1, due_on=TODAY - timedelta(days=GRACE + 1))
    resigned = factories.member(society, given_name="David", family_name="Åberg", email="david@example.se",
                                profession="gp", category="retired", joined_on=date(2010, 1, 1),
                                ended_on=TODAY - timedelta(days=3), end_reason="resigned")
    factories.dues(resigned, TODAY.year - 1, due_on=date(TODAY.year - 1, 1, 31))
    return active, overdue, lapsed, resigned


# -- access -------------------------------------------------------------------------------

def test_leader_is_refused_the_member_pages(leader_client, society):
    membership = factories.member(society)
    for url in ("/admin/members/", f"/admin/members/{membership.person_id}", "/admin/members/export.csv",
                "/admin/imports/", "/admin/audit/"):
        assert leader_client.get(url).status_code == 403, url


def test_admin_of_another_society_gets_404_for_our_members(app, society):
    ours = factories.member(society, family_name="Ours")
    other = factories.society()
    other_admin = factories.user(role="admin", society=other)
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, other_admin.email)
    pid = ours.person_id
    assert client.get(f"/admin/members/{pid}").status_code == 404
    assert client.get(f"/admin/members/{pid}/edit").status_code == 404
    assert client.post(f"/admin/members/{pid}/dues", data={"period": 2026, "amount": "1", "paid_on": "2026-01-01"}).status_code == 404
    assert client.post(f"/admin/members/{pid}/end", data={"ended_on": "2026-01-01", "end_reason": "resigned"}).status_code == 404
    assert "Ours" not in client.get("/admin/members/").get_data(as_text=True)
    assert "Ours" not in client.get("/admin/members/export.csv").get_data(as_text=True)


def test_menu_shows_members_imports_and_audit_to_admins(admin_client):
    html = admin_client.get("/admin/members/").get_data(as_text=True)
    for href in ('href="/admin/members/"', 'href="/admin/imports/"', 'href="/admin/audit/"'):
        assert href in html


# -- the list -----------------------------------------------------------------------------

def test_list_shows_members_by_name_with_derived_status_and_dues(admin_client, society):
    make_people(society)
    response = admin_client.get("/admin/members/")
    assert response.status_code == 200
    assert names(response) == ["Berg, Anna", "Ek, Bo", "Holm, Cecilia", "Åberg, David"]
    assert statuses(response) == ["active", "dues_overdue", "lapsed", "resigned"]
    html = response.get_data(as_text=True)
    assert f"Paid {format_date(TODAY, 'medium', locale='en')}" in html and "Unpaid" in html


def test_search_by_name_email_and_profession(admin_client, society):
    make_people(society)
    assert names(admin_client.get("/admin/members/?q=holm")) == ["Holm, Cecilia"]
    assert names(admin_client.get("/admin/members/?q=bo.ek@")) == ["Ek, Bo"]
    assert names(admin_client.get("/admin/members/?q=physio")) == ["Ek, Bo"]
    assert names(admin_client.get("/admin/members/?q=anna berg")) == ["Berg, Anna"]
    assert names(admin_client.get("/admin/members/?q=nobody")) == []
    # Wildcards are searched for literally.
    assert names(admin_client.get("/admin/members/?q=%25")) == []


def test_search_ignores_case_beyond_ascii_and_takes_any_text(admin_client, society):
    make_people(society)
    assert names(admin_client.get("/admin/members/?q=åBERG")) == ["Åberg, David"]
    assert names(admin_client.get("/admin/members/?q=berg")) == ["Berg, Anna", "Åberg, David"]
    assert names(admin_client.get("/admin/members/?q=ek")) == ["Ek, Bo"]  # shorter than a trigram
    for odd in ('"', 'an"na', "NEAR(", "*", "berg OR holm"):
        assert admin_client.get("/admin/members/", query_string={"q": odd}).status_code == 200


def test_search_follows_renames_and_removals_at_once(admin_client, society):
    active, overdue, _lapsed, _resigned = make_people(society)
    active.person.family_name, active.person.email = "Lindqvist", "anna.l@example.se"
    db.session.delete(overdue)
    db.session.delete(overdue.person)
    db.session.flush()
    assert names(admin_client.get("/admin/members/?q=lindqvist")) == ["Lindqvist, Anna"]
    assert names(admin_client.get("/admin/members/?q=berg")) == ["Åberg, David"]
    assert names(admin_client.get("/admin/members/?q=bo.ek@")) == []


def test_on_postgresql_a_name_search_is_served_by_the_trigram_indexes(society):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's trigram indexes (migration 0003); SQLite has its own (0002)")
    from society.services.membership.member_list import people_matching

    query = people_matching("lindqvist").compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few test rows: make the planner show it can
    plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {query}"))
    for index in ("ix_people_given_name_trgm", "ix_people_family_name_trgm", "ix_people_email_trgm"):
        assert index in plan, plan


def test_on_postgresql_a_bulk_write_brings_the_planners_statistics_up_to_date(society, monkeypatch):
    # Plans made from statistics of a nearly empty table once took a filtered page to tens of seconds.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's statistics; SQLite plans without them")
    from decimal import Decimal

    from society.services.membership import members
    from society.services.platform import planner

    for n in range(6):
        factories.member(society, given_name=f"Bulk{n}")

    def rows_the_planner_counts() -> float:
        return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'dues_payments'"))

    monkeypatch.setattr(planner, "BULK_ROWS", 100)  # six rows are not a bulk write: statistics left alone
    members.raise_period_dues(society.id, 2030, Decimal("100"), "SEK", date(2030, 3, 1), TODAY)
    assert rows_the_planner_counts() != 6
    monkeypatch.setattr(planner, "BULK_ROWS", 6)
    members.raise_period_dues(society.id, 2031, Decimal("100"), "SEK", date(2031, 3, 1), TODAY)
    assert rows_the_planner_counts() == 12


def test_on_postgresql_the_first_pages_by_name_check_each_person_instead_of_joining_every_member(
        admin_client, society, monkeypatch):
    """A large result's first page walks people in name order and stops after one page; joining
    all 80,000 active members first and sorting them took a tenth of a second (bench/members_list.py)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner; SQLite's own plan is covered by the benchmark")
    from sqlalchemy import event

    from society.services.membership import member_list

    make_people(society)
    monkeypatch.setattr(member_list, "SMALL_RESULT", 0)
    walks = []

    def keep_the_walk(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT people.id") and "ORDER BY people.family_name" in statement:
            walks.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep_the_walk)
    try:
        assert names(admin_client.get("/admin/members/?status=active")) == ["Berg, Anna"]
    finally:
        event.remove(db.engine, "before_cursor_execute", keep_the_walk)
    (statement, parameters), = walks
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few test rows: plan as for many
    plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    # People in name order, each checked by a subplan (whose member's dues are looked up by membership);
    # no join of people with every member.
    walk = plan.split("SubPlan", 1)[0]
    assert "ix_people_family_given" in walk and "Filter: (SubPlan" in plan and "Join" not in walk, plan


def test_each_filter(admin_client, society):
    make_people(society)
    assert names(admin_client.get("/admin/members/?category=trainee")) == ["Holm, Cecilia"]
    assert names(admin_client.get("/admin/members/?status=active")) == ["Berg, Anna"]
    assert names(admin_client.get("/admin/members/?status=dues_overdue")) == ["Ek, Bo"]
    assert names(admin_client.get("/admin/members/?status=lapsed")) == ["Holm, Cecilia"]
    assert names(admin_client.get("/admin/members/?status=resigned")) == ["Åberg, David"]
    assert names(admin_client.get("/admin/members/?unpaid=any")) == ["Ek, Bo", "Holm, Cecilia", "Åberg, David"]
    assert names(admin_client.get(f"/admin/members/?unpaid={TODAY.year}")) == ["Ek, Bo"]
    assert names(admin_client.get("/admin/members/?status=lapsed&category=full")) == []


def test_a_bad_filter_value_is_ignored_and_named(admin_client, society):
    make_people(society)
    response = admin_client.get("/admin/members/?status=sleeping&category=trainee")
    assert response.status_code == 200
    assert names(response) == ["Holm, Cecilia"]
    assert "Not a valid choice; ignored." in response.get_data(as_text=True)


def test_sorting(admin_client, society):
    make_people(society)
    assert names(admin_client.get("/admin/members/?sort=-name")) == ["Åberg, David", "Holm, Cecilia", "Ek, Bo", "Berg, Anna"]
    assert names(admin_client.get("/admin/members/?sort=joined")) == ["Åberg, David", "Berg, Anna", "Ek, Bo", "Holm, Cecilia"]
    assert names(admin_client.get("/admin/members/?sort=-joined")) == ["Holm, Cecilia", "Ek, Bo", "Berg, Anna", "Åberg, David"]
    # associate < full < retired < trainee
    assert names(admin_client.get("/admin/members/?sort=category")) == ["Ek, Bo", "Berg, Anna", "Åberg, David", "Holm, Cecilia"]


def test_pagination(app, admin_client, society):
    for n in range(7):
        factories.member(society, given_name="Member", family_name=f"P{n:02d}")
    app.config["PAGE_SIZE"] = 3
    try:
        first, third = admin_client.get("/admin/members/"), admin_client.get("/admin/members/?page=3&q=member")
        beyond = admin_client.get("/admin/members/?page=9")
    finally:
        app.config["PAGE_SIZE"] = 50
    assert names(first) == ["P00, Member", "P01, Member", "P02, Member"]
    assert "Page 1 of 3" in first.get_data(as_text=True)
    assert 'page=2' in first.get_data(as_text=True)
    assert names(third) == ["P06, Member"]
    assert "q=member" in third.get_data(as_text=True)  # the pager keeps the filters
    assert names(beyond) == []


def test_large_results_count_the_same_as_small_ones(admin_client, society, monkeypatch):
    """Past SMALL_RESULT matches the totals come from other queries; they must agree."""
    from society.services.membership import member_list

    make_people(society)
    factories.member(society, family_name="Extra")
    queries = ["", "?status=active", "?status=active&category=full", f"?status=active&unpaid={TODAY.year}",
               "?status=lapsed", "?status=dues_overdue", "?status=resigned", "?unpaid=any", "?q=e"]
    small = [names(admin_client.get("/admin/members/" + q)) for q in queries]
    monkeypatch.setattr(member_list, "SMALL_RESULT", 0)
    large = [names(admin_client.get("/admin/members/" + q)) for q in queries]
    totals = [admin_client.get("/admin/members/" + q).get_data(as_text=True).split(" found<", 1)[0].rsplit(">", 1)[1]
              for q in queries]
    assert large == small
    assert totals == [str(len(n)) for n in small]


def test_large_results_page_in_index_order(app, admin_client, society, monkeypatch):
    """Past SMALL_RESULT matches the list walks an index instead of sorting; same answer."""
    from society.services.membership import member_list

    for n in range(6):
        factories.member(society, given_name="G", family_name=f"F{5 - n}", joined_on=date(2020, 1, 1 + n))
    small = [names(admin_client.get(f"/admin/members/?sort={s}")) for s in ("name", "-name", "joined", "-category")]
    monkeypatch.setattr(member_list, "SMALL_RESULT", 2)
    large = [names(admin_client.get(f"/admin/members/?sort={s}")) for s in ("name", "-name", "joined", "-category")]
    assert large == small
    app.config["PAGE_SIZE"] = 4
    try:
        assert names(admin_client.get("/admin/members/?page=2")) == ["F4, G", "F5, G"]
    finally:
        app.config["PAGE_SIZE"] = 50


# -- export -------------------------------------------------------------------------------

def export(client, query="") -> list[dict]:
    response = client.get("/admin/members/export.csv" + query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_holds_exactly_what_the_filtered_list_shows(admin_client, society):
    make_people(society)
    for query in ("", "?status=lapsed", "?unpaid=any&sort=-name", "?q=gp", "?category=full&status=dues_overdue"):
        rows = export(admin_client, query)
        listed = names(admin_client.get("/admin/members/" + query))
        assert [f"{r['family_name']}, {r['given_name']}" for r in rows] == listed, query
    (row,) = export(admin_client, "?status=lapsed")
    assert row["email"] == "cecilia@example.se" and row["status"] == "lapsed" and row["category"] == "trainee"


def test_an_export_is_on_the_audit_trail(admin_client, society, admin):
    export(admin_client, "?status=lapsed")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.actor_label == admin.email and event.society_id == society.id
    assert json.loads(event.changes) == {"filters": {"status": "lapsed"}}


# -- create and edit ------------------------------------------------------------------------

FORM = dict(given_name="Karin", family_name="Lund", email="Karin.Lund@Example.se", phone="+46 70 111 22 33",
            profession="gp", category="full", joined_on="2024-02-01", language="sv")


def test_create_a_member(admin_client, society):
    response = admin_client.post("/admin/members/new", data=FORM)
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.email == "karin.lund@example.se"))
    assert person.full_name == "Karin Lund"
    assert person.memberships[0].society_id == society.id and person.memberships[0].joined_on == date(2024, 2, 1)
    assert response.headers["Location"].endswith(f"/admin/members/{person.id}")


def test_a_failed_create_shows_errors_beside_fields_and_keeps_input(admin_client):
    response = admin_client.post("/admin/members/new", data={**FORM, "email": "not-an-email", "profession": "wizard",
                                                             "joined_on": "yesterday"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("is-invalid") >= 3
    assert "Not a valid email address." in html and "Choose one of" in html and "Not a valid date." in html
    assert 'value="Karin"' in html and 'value="not-an-email"' in html
    assert db.session.scalar(select(Person.id)) is None


def test_a_duplicate_email_is_refused_beside_the_field(admin_client, society):
    factories.member(society, email="karin.lund@example.se")
    response = admin_client.post("/admin/members/new", data=FORM)
    assert response.status_code == 422
    assert "already registered" in response.get_data(as_text=True)


def edit_form(membership: Membership, **changes) -> dict:
    person = membership.person
    data = dict(given_name=person.given_name, family_name=person.family_name, email=person.email,
                profession=person.profession, category=membership.category,
                joined_on=membership.joined_on.isoformat(), language=person.language,
                person_version=person.version_id, membership_version=membership.version_id)
    data.update(changes)
    return data


def test_edit_a_member(admin_client, society):
    membership = factories.member(society, given_name="Karin")
    form = edit_form(membership, given_name="Karin M.", category="honorary")
    assert admin_client.post(f"/admin/members/{membership.person_id}/edit", data=form).status_code == 302
    db.session.refresh(membership)
    assert membership.person.given_name == "Karin M." and membership.category == "honorary"


def test_a_stale_edit_answers_409_and_keeps_what_was_typed(admin_client, society):
    membership = factories.member(society, given_name="Karin")
    stale = edit_form(membership, given_name="Typed by the second editor")
    first = edit_form(membership, given_name="Saved by the first editor")
    assert admin_client.post(f"/admin/members/{membership.person_id}/edit", data=first).status_code == 302
    response = admin_client.post(f"/admin/members/{membership.person_id}/edit", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved this member" in html
    assert 'value="Typed by the second editor"' in html
    db.session.refresh(membership.person)
    assert membership.person.given_name == "Saved by the first editor"


def test_edit_page_carries_the_versions(admin_client, society):
    membership = factories.member(society)
    html = admin_client.get(f"/admin/members/{membership.person_id}/edit").get_data(as_text=True)
    assert f'name="person_version" value="{membership.person.version_id}"' in html
    assert f'name="membership_version" value="{membership.version_id}"' in html


def test_end_a_membership(admin_client, society):
    membership = factories.member(society, joined_on=date(2020, 1, 1))
    response = admin_client.post(f"/admin/members/{membership.person_id}/end",
                                 data={"ended_on": "2025-06-30", "end_reason": "resigned"})
    assert response.status_code == 302
    db.session.refresh(membership)
    assert (membership.ended_on, membership.end_reason) == (date(2025, 6, 30), "resigned")
    html = admin_client.get(f"/admin/members/{membership.person_id}").get_data(as_text=True)
    assert "Resigned / ended" in html


def test_ending_before_joining_is_refused_beside_the_field(admin_client, society):
    membership = factories.member(society, joined_on=date(2020, 1, 1))
    response = admin_client.post(f"/admin/members/{membership.person_id}/end",
                                 data={"ended_on": "2019-06-30", "end_reason": "resigned"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "on or after the join date" in html and 'value="2019-06-30"' in html
    db.session.refresh(membership)
    assert membership.ended_on is None


# -- dues ---------------------------------------------------------------------------------

def test_record_a_payment_for_raised_dues(admin_client, society):
    membership = factories.member(society)
    factories.dues(membership, 2025, due_on=date(2025, 1, 31))
    response = admin_client.post(f"/admin/members/{membership.person_id}/dues",
                                 data={"period": "2025", "amount": "450", "paid_on": "2025-02-10", "reference": "BG 123"})
    assert response.status_code == 302
    (dues,) = db.session.scalars(select(DuesPayment)).all()
    assert (dues.paid_on, dues.reference, dues.due_on) == (date(2025, 2, 10), "BG 123", date(2025, 1, 31))


def test_record_a_payment_for_a_period_not_raised_yet(admin_client, society):
    membership = factories.member(society)
    admin_client.post(f"/admin/members/{membership.person_id}/dues",
                      data={"period": "2026", "amount": "500.50", "paid_on": "2026-03-01"})
    (dues,) = db.session.scalars(select(DuesPayment)).all()
    assert dues.period == 2026 and str(dues.amount) == "500.50" and dues.due_on == date(2026, 3, 1)


def test_paying_a_period_twice_is_refused(admin_client, society):
    membership = factories.member(society)
    factories.dues(membership, 2025, paid_on=date(2025, 1, 5))
    response = admin_client.post(f"/admin/members/{membership.person_id}/dues",
                                 data={"period": "2025", "amount": "450", "paid_on": "2025-02-10"})
    assert response.status_code == 422
    assert "already recorded as paid on Jan 5, 2025" in response.get_data(as_text=True)


def test_a_negative_amount_is_refused(admin_client, society):
    membership = factories.member(society)
    response = admin_client.post(f"/admin/members/{membership.person_id}/dues",
                                 data={"period": "2025", "amount": "-1", "paid_on": "2025-02-10"})
    assert response.status_code == 422
    assert db.session.scalar(select(DuesPayment.id)) is None


def test_raise_a_periods_dues_for_every_member_in_force(admin_client, society, admin):
    in_force = factories.member(society)
    already = factories.member(society)
    factories.dues(already, 2027, paid_on=date(2026, 12, 1))
    ended = factories.member(society, ended_on=date(2025, 1, 1), end_reason="resigned")
    other_society = factories.member(factories.society())
    response = admin_client.post("/admin/members/dues", data={"period": "2027", "amount": "475", "currency": "sek",
                                                              "due_on": "2027-01-31"})
    assert response.status_code == 302
    rows = {d.membership_id: d for d in db.session.scalars(select(DuesPayment).where(DuesPayment.period == 2027))}
    assert set(rows) == {in_force.id, already.id}
    assert rows[in_force.id].paid_on is None and rows[in_force.id].currency == "SEK"
    assert rows[already.id].paid_on == date(2026, 12, 1)  # left as it was
    assert ended.id not in rows and other_society.id not in rows
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "raise_dues"))
    assert json.loads(event.changes)["memberships"] == 1 and event.actor_label == admin.email


def test_raising_dues_validates_its_form(admin_client):
    response = admin_client.post("/admin/members/dues", data={"period": "1200", "amount": "x", "currency": "kronor",
                                                              "due_on": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback") >= 4 and 'value="kronor"' in html


# -- the record's history -------------------------------------------------------------------

def test_member_page_shows_memberships_dues_and_history_old_to_new(admin_client, society):
    admin_client.post("/admin/members/new", data=FORM)
    person = db.session.scalar(select(Person))
    membership = person.memberships[0]
    admin_client.post(f"/admin/members/{person.id}/edit", data=edit_form(membership, family_name="Lundqvist"))
    admin_client.post(f"/admin/members/{person.id}/dues", data={"period": "2026", "amount": "450", "paid_on": "2026-02-01"})
    html = admin_client.get(f"/admin/members/{person.id}").get_data(as_text=True)
    history = html.split("History", 1)[1]
    assert "family_name" in history and "Lund</span> &rarr; Lundqvist" in history
    assert "DuesPayment" in history and "Membership" in history and "admin@example.org" in history
    assert 'data-period="2026"' in html
