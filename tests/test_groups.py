"""Administrators keep their society's groups: list, filter, create, edit, leaders, participants, export."""
import csv
import io
import json
import re
from datetime import date

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from society.extensions import db
from society.models import AuditEvent, Group, GroupLeader, GroupParticipant
from society.schemas.groups import GroupFormSchema, GroupSchema, SessionFormSchema

from . import factories
from .queries import counting_queries

TODAY = date.today()


def group_form(**overrides) -> dict:
    form = dict(name="Balintgrupp Uppsala", city="Uppsala", country="se", format="in_person", language="sv",
                rhythm="fortnightly", session_minutes="90", starts_on="2024-01-15", status="active",
                audiences=["gp", "nurse"], accepting_members="y")
    form.update(overrides)
    return form


def staffed_group(society, participants=6, leaders=1, **kw):
    group = factories.group(society, **kw)
    for i in range(leaders):
        factories.group_leader(group, factories.member_person(society), role="leader" if i == 0 else "co_leader")
    for _ in range(participants):
        factories.participant(group, factories.member_person(society))
    return group


# -- the list ---------------------------------------------------------------------

def test_list_shows_the_societys_groups_with_current_leaders_and_participant_counts(admin_client, society):
    group = factories.group(society, name="Gruppen i Lund", city="Lund")
    factories.group_leader(group, factories.member_person(society, given_name="Ingrid", family_name="Holm"))
    factories.group_leader(group, factories.member_person(society, given_name="Old", family_name="Leader"),
                           ends_on=date(2024, 6, 1))
    for _ in range(5):
        factories.participant(group, factories.member_person(society))
    factories.participant(group, factories.member_person(society), ends_on=date(2024, 2, 1))  # left
    factories.group(factories.society(), name="Another society's group")

    page = admin_client.get("/admin/groups/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Gruppen i Lund" in html and "Ingrid Holm" in html
    assert "Old Leader" not in html
    assert "Another society" not in html
    row = html[html.index("Gruppen i Lund"):]
    assert '<td class="text-end">5</td>' in row[:2000]


@pytest.mark.parametrize("query,expected", [
    ("status=paused", {"Paused online"}),
    ("format=online", {"Paused online", "Active online"}),
    ("city=malm%C3%B6", {"In Malmö"}),
    ("audience=physiotherapist", {"Physios"}),
    ("accepting=yes", {"In Malmö"}),
    ("accepting=no&format=online", {"Paused online", "Active online"}),
    ("q=physio", {"Physios"}),
    ("q=MALM", {"In Malmö"}),
])
def test_filters_narrow_the_list(admin_client, society, query, expected):
    factories.group(society, name="Paused online", status="paused", format="online")
    factories.group(society, name="Active online", format="online")
    factories.group(society, name="In Malmö", city="Malmö", accepting_members=True)
    factories.group(society, name="Physios", audiences=["physiotherapist"])
    html = admin_client.get(f"/admin/groups/?{query}").get_data(as_text=True)
    shown = {name for name in ("Paused online", "Active online", "In Malmö", "Physios") if name in html}
    assert shown == expected


def test_an_invalid_filter_is_named_and_not_applied(admin_client, society):
    factories.group(society, name="Still listed")
    page = admin_client.get("/admin/groups/?status=exploded")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Still listed" in html and "Must be one of" in html


def test_list_is_paginated_25_per_page_and_keeps_the_filters(admin_client, society):
    for i in range(30):
        factories.group(society, name=f"Group {i:02d}", format="online")
    factories.group(society, name="Offline group")
    first = admin_client.get("/admin/groups/?format=online").get_data(as_text=True)
    assert "Group 00" in first and "Group 24" in first and "Group 25" not in first
    assert "Page 1 of 2" in first and "format=online" in first and "page=2" in first
    second = admin_client.get("/admin/groups/?format=online&page=2").get_data(as_text=True)
    assert "Group 25" in second and "Group 29" in second and "Offline group" not in second


def test_the_list_costs_the_same_queries_for_3_or_25_groups(admin_client, society):
    for _ in range(3):
        staffed_group(society, participants=3, leaders=2)
    admin_client.get("/admin/groups/")
    db.session.commit()
    with counting_queries() as few:
        admin_client.get("/admin/groups/")
    for _ in range(22):
        staffed_group(society, participants=3, leaders=2)
    db.session.commit()
    with counting_queries() as many:
        admin_client.get("/admin/groups/")
    assert len(many) == len(few) <= 10


def test_list_shows_norm_warnings(admin_client, society):
    staffed_group(society, participants=13, leaders=1, name="Crowded")
    html = admin_client.get("/admin/groups/").get_data(as_text=True)
    assert "13 participants, more than the society&#39;s maximum of 12." in html


# -- create and edit ----------------------------------------------------------------

def test_admin_creates_a_group_with_all_its_fields(admin_client, society):
    response = admin_client.post("/admin/groups/new", data=group_form(ends_on="2027-01-14"))
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.name == "Balintgrupp Uppsala"))
    assert group.society_id == society.id
    assert (group.city, group.country, group.format, group.language, group.rhythm, group.session_minutes) == (
        "Uppsala", "SE", "in_person", "sv", "fortnightly", 90)
    assert (group.starts_on, group.ends_on, group.status, group.accepting_members) == (
        date(2024, 1, 15), date(2027, 1, 14), "active", True)
    assert group.audience_list == ["gp", "nurse"]
    assert response.headers["Location"].endswith(f"/admin/groups/{group.id}")
    # A new group without people breaks the norms: a warning after the save, not a refusal.
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 participants, fewer than the society&#39;s minimum of 4." in page
    assert "0 leaders, fewer than the society&#39;s minimum of 1." in page


def test_create_with_mistakes_shows_them_beside_the_fields_and_keeps_the_input(admin_client):
    response = admin_client.post("/admin/groups/new", data=group_form(
        name="", session_minutes="900", starts_on="2024-05-01", ends_on="2024-04-01", country="Sweden",
        audiences=["gp", "astronaut"]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give the group a name." in html
    assert "Must be greater than or equal to 1 and less than or equal to 600." in html
    assert "The end cannot come before the start." in html
    assert "Two letters, e.g. SE." in html
    assert 'value="900"' in html and 'value="Sweden"' in html and 'value="2024-04-01"' in html
    assert db.session.scalar(select(db.func.count(Group.id))) == 0


def test_a_second_group_with_the_same_name_is_refused_beside_the_name(admin_client, society):
    factories.group(society, name="Balintgrupp Uppsala")
    response = admin_client.post("/admin/groups/new", data=group_form(name="balintgrupp uppsala"))
    assert response.status_code == 422
    assert "Another group of the society has this name." in response.get_data(as_text=True)


def test_the_same_name_in_another_society_is_fine(admin_client):
    factories.group(factories.society(), name="Balintgrupp Uppsala")
    assert admin_client.post("/admin/groups/new", data=group_form()).status_code == 302


def test_edit_saves_the_changes_and_moves_the_version(admin_client, society):
    group = factories.group(society, name="Before", audiences=["gp"])
    version = group.version_id
    form = admin_client.get(f"/admin/groups/{group.id}/edit").get_data(as_text=True)
    assert f'name="version_id" value="{version}"' in form
    response = admin_client.post(f"/admin/groups/{group.id}/edit", data=group_form(
        name="After", version_id=str(version), audiences=["psychologist"], status="paused"))
    assert response.status_code == 302
    db.session.refresh(group)
    assert (group.name, group.status, group.audience_list) == ("After", "paused", ["psychologist"])
    assert group.version_id == version + 1


def test_a_stale_save_answers_409_and_keeps_what_was_typed(admin_client, society):
    group = factories.group(society, name="Shared group", audiences=["gp"])
    opened_at = group.version_id
    # The first editor changes only the audiences; the version still moves.
    assert admin_client.post(f"/admin/groups/{group.id}/edit", data=group_form(
        name="Shared group", version_id=str(opened_at), audiences=["nurse"])).status_code == 302
    response = admin_client.post(f"/admin/groups/{group.id}/edit", data=group_form(
        name="Second editor's name", version_id=str(opened_at), audiences=["gp"]))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved this group" in html and "Second editor&#39;s name" in html
    db.session.refresh(group)
    assert (group.name, group.audience_list) == ("Shared group", ["nurse"])


def test_another_societys_group_is_not_found(admin_client):
    other = staffed_group(factories.society(), participants=1)
    leader_row = other.leaders[0]
    assert admin_client.get(f"/admin/groups/{other.id}").status_code == 404
    assert admin_client.get(f"/admin/groups/{other.id}/edit").status_code == 404
    assert admin_client.post(f"/admin/groups/{other.id}/edit", data=group_form(version_id="1")).status_code == 404
    assert admin_client.get(f"/admin/groups/{other.id}/leaders/new").status_code == 404
    assert admin_client.post(f"/admin/groups/{other.id}/leaders/{leader_row.id}/end",
                             data={"ends_on": "2025-01-01"}).status_code == 404
    assert admin_client.post(f"/admin/groups/{other.id}/leaders/{leader_row.id}/delete").status_code == 404
    assert db.session.get(GroupLeader, leader_row.id).ends_on is None


def test_leaders_and_members_cannot_reach_the_admin_pages(leader_client, society):
    group = factories.group(society)
    assert leader_client.get("/admin/groups/").status_code == 403
    assert leader_client.get(f"/admin/groups/{group.id}").status_code == 403


# -- leaders and participants -----------------------------------------------------------

def test_admin_adds_a_leader_and_a_trainee_co_leader_with_dates(admin_client, society):
    group = factories.group(society)
    anna = factories.member_person(society, given_name="Anna", family_name="Lindqvist")
    olof = factories.member_person(society, given_name="Olof", family_name="Ek")
    found = admin_client.get(f"/admin/groups/{group.id}/leaders/new?q=lindq").get_data(as_text=True)
    assert "Anna Lindqvist" in found and "Olof Ek" not in found
    assert admin_client.post(f"/admin/groups/{group.id}/leaders/new", data={
        "person_id": anna.id, "starts_on": "2024-01-01", "role": "leader"}).status_code == 302
    assert admin_client.post(f"/admin/groups/{group.id}/leaders/new", data={
        "person_id": olof.id, "starts_on": "2024-02-01", "ends_on": "2026-01-31", "role": "co_leader",
        "is_trainee": "y"}).status_code == 302
    rows = {row.person_id: row for row in db.session.scalars(select(GroupLeader).where(GroupLeader.group_id == group.id))}
    assert (rows[anna.id].role, rows[anna.id].is_trainee, rows[anna.id].starts_on, rows[anna.id].ends_on) == (
        "leader", False, date(2024, 1, 1), None)
    assert (rows[olof.id].role, rows[olof.id].is_trainee, rows[olof.id].ends_on) == ("co_leader", True, date(2026, 1, 31))


def test_member_search_takes_percent_and_underscore_literally(admin_client, society):
    group = factories.group(society)
    factories.member_person(society, given_name="Anna", family_name="Lindqvist", email="anna@example.org")
    factories.member_person(society, given_name="Per", family_name="Procent", email="per_100%@example.org")
    db.session.commit()

    def found(text):
        return admin_client.get(f"/admin/groups/{group.id}/leaders/new", query_string={"q": text}).get_data(as_text=True)

    assert "Anna Lindqvist" not in found("%%") and "Anna Lindqvist" not in found("a_n")
    assert "Per Procent" in found("_100%") and "Anna Lindqvist" not in found("_100%")
    assert "Anna Lindqvist" in found("anna lind")  # the full name, as people type it


def test_group_search_takes_percent_and_underscore_literally(admin_client, society):
    factories.group(society, name="Malmö 50% group", city="Malmö")
    factories.group(society, name="Lund group", city="Lund")
    db.session.commit()

    def listed(text):
        html = admin_client.get("/admin/groups/", query_string={"q": text}).get_data(as_text=True)
        return sorted(name for name in ("Malmö 50% group", "Lund group") if name in html)

    assert listed("%") == ["Malmö 50% group"]
    assert listed("_") == []
    assert listed("L_nd") == []
    assert listed("lund") == ["Lund group"]


def test_only_current_members_of_the_society_are_found_and_added(admin_client, society):
    group = factories.group(society)
    outsider = factories.member_person(factories.society(), given_name="Outside", family_name="Person")
    former = factories.person(given_name="Former", family_name="Member")
    factories.membership(former, society, ended_on=date(2023, 1, 1), end_reason="resigned")
    html = admin_client.get(f"/admin/groups/{group.id}/participants/new?q=o").get_data(as_text=True)
    assert "Outside Person" not in html
    response = admin_client.post(f"/admin/groups/{group.id}/participants/new",
                                 data={"person_id": outsider.id, "starts_on": "2024-01-01", "q": "outside"})
    assert response.status_code == 422
    assert "Choose a member of the society." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(GroupParticipant.id))) == 0


def test_a_person_holds_one_place_in_a_group_at_a_time(admin_client, society):
    group = factories.group(society)
    karin = factories.member_person(society, given_name="Karin", family_name="Berg")
    factories.participant(group, karin, starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))
    twice = admin_client.post(f"/admin/groups/{group.id}/participants/new",
                              data={"person_id": karin.id, "starts_on": "2024-06-01", "q": "karin"})
    assert twice.status_code == 422
    assert "Karin Berg is already a participant over some of these days." in twice.get_data(as_text=True)
    as_leader = admin_client.post(f"/admin/groups/{group.id}/leaders/new",
                                  data={"person_id": karin.id, "starts_on": "2024-03-01", "q": "karin"})
    assert as_leader.status_code == 422
    # After her place ended she may come back, as a participant or a leader.
    assert admin_client.post(f"/admin/groups/{group.id}/leaders/new",
                             data={"person_id": karin.id, "starts_on": "2025-01-01", "role": "co_leader"}).status_code == 302


def test_ending_a_place_keeps_the_row_and_removing_deletes_it(admin_client, society):
    group = factories.group(society)
    leaving = factories.participant(group, factories.member_person(society))
    mistake = factories.participant(group, factories.member_person(society))
    assert admin_client.post(f"/admin/groups/{group.id}/participants/{leaving.id}/end",
                             data={"ends_on": "2025-06-30"}).status_code == 302
    assert admin_client.post(f"/admin/groups/{group.id}/participants/{mistake.id}/delete").status_code == 302
    assert db.session.get(GroupParticipant, leaving.id).ends_on == date(2025, 6, 30)
    assert db.session.get(GroupParticipant, mistake.id) is None


def test_a_place_cannot_end_before_it_started(admin_client, society):
    group = factories.group(society)
    leader = factories.group_leader(group, factories.member_person(society), starts_on=date(2024, 3, 1))
    response = admin_client.post(f"/admin/groups/{group.id}/leaders/{leader.id}/end", data={"ends_on": "2024-02-01"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The last day cannot come before the first (Mar 1, 2024)." in html and 'value="2024-02-01"' in html
    assert db.session.get(GroupLeader, leader.id).ends_on is None


# -- the group page: standing, norms, sessions, history -----------------------------------

def test_group_page_shows_leaders_standing_today(admin_client, society):
    group = factories.group(society)
    accredited = factories.member_person(society, given_name="Accredited", family_name="Leader")
    factories.group_leader_accreditation(accredited, society)
    lapsed = factories.member_person(society, given_name="Lapsed", family_name="Leader")
    factories.group_leader_accreditation(lapsed, society, granted_on=date(2015, 1, 1), expires_on=date(2020, 1, 1),
                                    status="expired")
    factories.group_leader(group, accredited)
    factories.group_leader(group, lapsed, role="co_leader")
    html = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    accredited_row = html[html.index("Accredited Leader"):html.index("Lapsed Leader")]
    lapsed_row = html[html.index("Lapsed Leader"):]
    assert ">Accredited<" in accredited_row and "Not accredited" in lapsed_row[:1500]


def test_group_page_warns_of_13_participants_and_3_leaders_without_refusing(admin_client, society):
    group = staffed_group(society, participants=12, leaders=3)
    newcomer = factories.member_person(society)
    response = admin_client.post(f"/admin/groups/{group.id}/participants/new",
                                 data={"person_id": newcomer.id, "starts_on": TODAY.isoformat()})
    assert response.status_code == 302
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-norm="too_many_participants"' in html and "13 participants" in html
    assert 'data-norm="too_many_leaders"' in html and "3 leaders, more than the society&#39;s maximum of 2." in html
    assert db.session.scalar(select(db.func.count(GroupParticipant.id))) == 13


def test_twelve_participants_get_a_soft_warning(admin_client, society):
    group = staffed_group(society, participants=12, leaders=2)
    html = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert 'data-norm="large_group"' in html and "alert-info" in html
    assert "too_many_participants" not in html


def test_norms_follow_the_societys_settings(admin_client, society):
    society.group_max_size = 8
    group = staffed_group(society, participants=9, leaders=1)
    html = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert "9 participants, more than the society&#39;s maximum of 8." in html


def test_group_page_shows_the_history_of_the_group_and_its_people(admin_client, society):
    admin_client.post("/admin/groups/new", data=group_form(name="With history"))
    group = db.session.scalar(select(Group).where(Group.name == "With history"))
    person = factories.member_person(society, given_name="Hist", family_name="Orian")
    admin_client.post(f"/admin/groups/{group.id}/leaders/new", data={"person_id": person.id, "starts_on": "2024-01-01"})
    leader = db.session.scalar(select(GroupLeader).where(GroupLeader.group_id == group.id))
    admin_client.post(f"/admin/groups/{group.id}/leaders/{leader.id}/delete")
    other = staffed_group(society, participants=1)  # its history is not this group's
    db.session.commit()

    html = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    history = re.sub(r"<details.*?</details>", "", html[html.index('id="history"'):], flags=re.S)  # the words, not the raw data
    # the group, its two audiences, its openness (by and "set by"), the leader added and removed
    assert history.count("admin@example.org") == 7
    assert "Group added" in history and "Audience added" in history
    assert "Leader added" in history and "Leader removed" in history
    assert "Person</span>:" in history and "Hist Orian" in history  # the person by name, not by id
    assert f"&rarr; {other.name}<" not in history  # though SQLite may give its leader the removed id
    assert history.count("Leader added") == 1


# -- CSV export ------------------------------------------------------------------------------

def test_csv_export_follows_the_filters_and_is_audited(admin_client, society):
    group = staffed_group(society, participants=4, leaders=1, name="=HYPERLINK(evil)", format="online",
                          audiences=["gp", "nurse"])
    factories.group(society, name="In person group")
    page = admin_client.get("/admin/groups/?format=online").get_data(as_text=True)
    assert 'href="/admin/groups/export.csv?format=online"' in page  # the list offers its own filters
    response = admin_client.get("/admin/groups/export.csv?format=online")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "'=HYPERLINK(evil)"  # never a formula in a spreadsheet
    assert (row["format"], row["audiences"], row["participants"]) == ("online", "gp, nurse", "4")
    assert group.leaders[0].person.full_name in row["leaders"]
    exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert exported.society_id == society.id and json.loads(exported.changes)["filters"] == {"format": "online"}


def test_a_leader_cannot_export_the_groups(leader_client):
    assert leader_client.get("/admin/groups/export.csv").status_code in (403, 404)


# -- schemas -----------------------------------------------------------------------------

def test_group_schema_loads_a_csv_row_and_dumps_a_group(society):
    data = GroupSchema().load({"name": "Imported", "country": "se", "format": "online", "language": "sv",
                               "rhythm": "monthly", "session_minutes": "120", "audiences": "nurse; gp, gp",
                               "accepting_members": "yes"})
    assert data["audiences"] == ["gp", "nurse"] and data["country"] == "SE" and data["accepting_members"] is True
    dumped = GroupSchema().dump(factories.group(society, audiences=["psychologist"]))
    assert dumped["audiences"] == ["psychologist"] and "id" in dumped


@pytest.mark.parametrize("field,value", [
    ("audiences", "gp, astronaut"), ("format", "carrier pigeon"), ("country", "SWE"), ("language", "Swedish"),
    ("session_minutes", "0"), ("status", "dissolved"), ("rhythm", "daily"), ("name", "x"),
])
def test_group_schema_refuses_bad_values(field, value):
    row = {"name": "Imported", "country": "SE", "format": "online", "language": "sv", "rhythm": "monthly",
           "session_minutes": "120", field: value}
    with pytest.raises(ValidationError) as error:
        GroupSchema().load(row)
    assert field in error.value.messages


def test_group_schema_refuses_unknown_fields_and_reversed_dates():
    base = {"name": "Imported", "country": "SE", "format": "online", "language": "sv", "rhythm": "monthly",
            "session_minutes": 90}
    with pytest.raises(ValidationError, match="Unknown field"):
        GroupSchema().load({**base, "colour": "red"})
    with pytest.raises(ValidationError) as error:
        GroupFormSchema().load({**base, "starts_on": "2024-02-01", "ends_on": "2024-01-01"})
    assert "ends_on" in error.value.messages


def test_session_schema_refuses_a_person_ticked_twice():
    with pytest.raises(ValidationError) as error:
        SessionFormSchema().load({"held_on": "2024-01-01", "attendees": ["3", "3"]})
    assert "attendees" in error.value.messages
