"""The public JSON directory: filters, pages, what a group says about itself, and
nothing personal beyond leaders' names and accreditation."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from society.extensions import db
from society.models import GroupAudience
from society.services.groups import directory

from . import factories
from .queries import counting_queries

TODAY = date.today()
URL = "/api/v1/groups"

# The allowlist: every key the directory may publish, level by level.
GROUP_KEYS = {"id", "name", "society", "place", "format", "language", "audience", "schedule", "accepting_members",
              "dates", "status", "leaders", "accredited", "updated_at", "join"}
NESTED_KEYS = {
    "society": {"code", "name"}, "place": {"city", "country", "address"},
    "schedule": {"rhythm", "session_minutes", "weekday", "start_time", "time_zone"},
    "dates": {"starts_on", "ends_on"},
    "join": {"setting", "term", "open_places", "cme", "leader_professions"},
}
LEADER_KEYS = {"name", "role", "trainee", "accreditation"}
ACCREDITATION_KEYS = {"status", "credential", "valid_until", "certificate_number"}


def accredit(person, society, *, title="Accredited Balint Group Leader", **kw):
    version = factories.rule_set_version(factories.rule_set(society, credential_title=title))
    values = dict(status="granted", granted_on=date(2020, 1, 1), expires_on=None)
    values.update(kw)
    return factories.accreditation(person, version, **values)


def led_group(society, *, accredited_leader=True, leader=None, **kw):
    group = factories.group(society, **kw)
    leader = leader or factories.person()
    factories.group_leader(group, leader)
    if accredited_leader:
        accredit(leader, society)
    return group


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def assert_only_allowed_keys(group: dict) -> None:
    assert set(group) == GROUP_KEYS
    for key, allowed in NESTED_KEYS.items():
        assert set(group[key]) == allowed
    for leader in group["leaders"]:
        assert set(leader) == LEADER_KEYS
        assert set(leader["accreditation"]) == ACCREDITATION_KEYS


# -- listing and filters -------------------------------------------------------------

def test_lists_open_groups_in_name_order_and_leaves_closed_ones_out(client, society):
    for name, status in (("Bravo", "active"), ("Alpha", "forming"), ("Charlie", "paused"), ("Delta", "closed")):
        led_group(society, name=name, status=status)
    response = client.get(URL)
    assert response.content_type == "application/json"
    assert names(response) == ["Alpha", "Bravo", "Charlie"]
    assert response.get_json()["pagination"]["total"] == 3


def test_closed_groups_are_listed_when_asked_for(client, society):
    led_group(society, name="Open", status="active")
    led_group(society, name="Closed", status="closed", ends_on=date(2024, 6, 1))
    assert names(client.get(URL, query_string={"status": "closed"})) == ["Closed"]
    assert names(client.get(URL, query_string={"status": ["closed", "active"]})) == ["Closed", "Open"]


def test_ties_on_name_are_ordered_by_id(client):
    first, second = factories.society(), factories.society()
    a = led_group(second, name="Same name")
    b = led_group(first, name="Same name")
    ids = [item["id"] for item in client.get(URL).get_json()["items"]]
    assert ids == sorted([a.id, b.id])


@pytest.mark.parametrize("query, expected", [
    ({"society": "OTHER"}, ["Other society's group"]),
    ({"country": "no"}, ["Oslo"]),
    ({"country": "NO"}, ["Oslo"]),
    ({"city": "Lund"}, ["Lund online"]),
    ({"language": "en"}, ["Oslo"]),
    ({"format": "online"}, ["Lund online"]),
    ({"audience": "physiotherapist"}, ["Physios"]),
    ({"accepting_members": "true"}, ["Physios"]),
    ({"q": "PHYS"}, ["Physios"]),
    ({"q": "online", "city": "Lund"}, ["Lund online"]),
])
def test_each_filter_narrows_the_list(client, society, query, expected):
    other = factories.society(code="OTHER")
    led_group(other, name="Other society's group")
    led_group(society, name="Oslo", city="Oslo", country="NO", language="en")
    led_group(society, name="Lund online", city="Lund", format="online")
    led_group(society, name="Physios", audiences=["physiotherapist", "gp"], accepting_members=True)
    assert names(client.get(URL, query_string=query)) == expected


def test_filters_combine_and_accepting_false_is_a_filter_too(client, society):
    led_group(society, name="Open door", accepting_members=True)
    led_group(society, name="Full", accepting_members=False)
    assert names(client.get(URL, query_string={"accepting_members": "false"})) == ["Full"]
    assert names(client.get(URL, query_string={"accepting_members": "true", "q": "full"})) == []


def test_name_query_treats_wildcards_literally(client, society):
    led_group(society, name="100% Balint")
    led_group(society, name="1000 Balint")
    assert names(client.get(URL, query_string={"q": "0%"})) == ["100% Balint"]
    assert names(client.get(URL, query_string={"q": "_"})) == []


def test_accredited_filter_follows_the_leaders_accreditation_today(client, society):
    led_group(society, name="Accredited")
    led_group(society, name="Not accredited", accredited_leader=False)
    assert names(client.get(URL, query_string={"accredited": "true"})) == ["Accredited"]
    assert names(client.get(URL, query_string={"accredited": "false"})) == ["Not accredited"]


def test_updated_since_lists_groups_changed_or_whose_leaders_changed(client, society):
    old = datetime(2020, 1, 1, tzinfo=timezone.utc)
    untouched = led_group(society, name="Untouched")
    renamed = led_group(society, name="Renamed")
    new_leader = led_group(society, name="New leader")
    db.session.commit()
    for group in (untouched, renamed, new_leader):
        group.updated_at = old
        for assignment in group.leaders:
            assignment.updated_at = old
    db.session.commit()
    renamed.name = "Renamed group"
    factories.group_leader(new_leader, factories.person(), role="co_leader")
    listed = names(client.get(URL, query_string={"updated_since": "2024-01-01T00:00:00Z"}))
    assert listed == ["New leader", "Renamed group"]
    group = client.get(f"{URL}/{untouched.id}").get_json()
    assert group["updated_at"].startswith("2020-01-01T00:00:00")
    # No offset means UTC; an offset is honoured.
    assert names(client.get(URL, query_string={"updated_since": "2019-12-31T23:30:00"})) == [
        "New leader", "Renamed group", "Untouched"]
    assert names(client.get(URL, query_string={"updated_since": "2020-01-01T00:30:00+01:00"})) == [
        "New leader", "Renamed group", "Untouched"]


# -- what a group says ------------------------------------------------------------------

def test_a_group_shows_its_public_facts_and_leaders(client, society):
    lead = factories.person(given_name="Greta", family_name="Garbo", email="greta@example.org", phone="+46 70 111")
    co = factories.person(given_name="Tom", family_name="Trainee", email="tom@example.org", phone="+46 70 222")
    group = factories.group(society, name="Uppsala GPs", city="Uppsala", audiences=["gp", "resident"],
                            rhythm="monthly", session_minutes=120, accepting_members=True,
                            starts_on=date(2023, 2, 1))
    factories.group_leader(group, lead, role="leader")
    factories.group_leader(group, co, role="co_leader", is_trainee=True)
    accreditation = accredit(lead, society, expires_on=TODAY + timedelta(days=400), title="Godkänd Balintgruppledare")
    factories.certificate(accreditation, number="SBS-2021-001", issued_on=date(2021, 1, 1))
    factories.certificate(accreditation, number="SBS-2024-007", issued_on=date(2024, 1, 1))
    factories.certificate(accreditation, number="SBS-2025-REVOKED", issued_on=date(2025, 1, 1),
                          revoked_at=datetime(2025, 2, 1, tzinfo=timezone.utc))
    factories.participant(group, factories.person(given_name="Pia", family_name="Participant", email="pia@example.org"))

    response = client.get(f"{URL}/{group.id}")
    body = response.get_json()
    assert_only_allowed_keys(body)
    assert body["society"] == {"code": society.code, "name": society.name}
    assert body["place"] == {"city": "Uppsala", "country": "SE", "address": None}
    assert body["audience"] == ["gp", "resident"]
    assert body["schedule"] == {"rhythm": "monthly", "session_minutes": 120, "weekday": None, "start_time": None,
                                "time_zone": None}
    assert body["dates"] == {"starts_on": "2023-02-01", "ends_on": None}
    assert body["accepting_members"] is True and body["status"] == "active" and body["accredited"] is True
    assert body["leaders"] == [
        {"name": "Greta Garbo", "role": "leader", "trainee": False,
         "accreditation": {"status": "accredited", "credential": "Godkänd Balintgruppledare",
                           "valid_until": (TODAY + timedelta(days=400)).isoformat(),
                           "certificate_number": "SBS-2024-007"}},
        {"name": "Tom Trainee", "role": "co_leader", "trainee": True,
         "accreditation": {"status": "in_training", "credential": None, "valid_until": None,
                           "certificate_number": None}},
    ]
    text = response.get_data(as_text=True)
    for secret in ("greta@example.org", "tom@example.org", "+46 70", "Pia", "Participant", "pia@example.org"):
        assert secret not in text


def test_every_listed_group_has_only_allowed_keys(client, society):
    for n in range(3):
        group = led_group(society, name=f"Group {n}")
        factories.participant(group, factories.person())
        factories.group_leader(group, factories.person(), role="co_leader", is_trainee=True)
    items = client.get(URL).get_json()["items"]
    assert len(items) == 3
    for item in items:
        assert_only_allowed_keys(item)


def test_leaders_whose_assignment_ended_or_has_not_begun_are_not_shown(client, society):
    group = factories.group(society)
    factories.group_leader(group, factories.person(given_name="Past", family_name="Leader"),
                           starts_on=date(2020, 1, 1), ends_on=TODAY - timedelta(days=1))
    factories.group_leader(group, factories.person(given_name="Future", family_name="Leader"),
                           starts_on=TODAY + timedelta(days=1))
    factories.group_leader(group, factories.person(given_name="Current", family_name="Leader"))
    assert [leader["name"] for leader in client.get(f"{URL}/{group.id}").get_json()["leaders"]] == ["Current Leader"]


@pytest.mark.parametrize("case", ["trainee", "ended", "expired", "suspended", "not_yet_granted", "none"])
def test_a_group_is_not_accredited_without_a_current_non_trainee_accredited_leader(client, society, case):
    group = factories.group(society)
    person = factories.person()
    assignment = {"trainee": dict(is_trainee=True), "ended": dict(ends_on=TODAY - timedelta(days=1))}.get(case, {})
    factories.group_leader(group, person, **assignment)
    standing = {
        "expired": dict(expires_on=TODAY - timedelta(days=1)),
        "suspended": dict(status="suspended", invalid_from=TODAY - timedelta(days=3)),
        "not_yet_granted": dict(granted_on=TODAY + timedelta(days=1)),
    }.get(case, {})
    if case != "none":
        accredit(person, society, **standing)
    body = client.get(f"{URL}/{group.id}").get_json()
    assert body["accredited"] is False
    assert names(client.get(URL, query_string={"accredited": "true"})) == []
    assert names(client.get(URL, query_string={"accredited": "false"})) == [group.name]


def test_accreditation_is_judged_on_the_day_asked(society):
    group = factories.group(society)
    person = factories.person()
    factories.group_leader(group, person, starts_on=date(2024, 1, 1))
    accredit(person, society, granted_on=date(2024, 1, 1), expires_on=date(2025, 12, 31))
    on = {"status": ["active"]}
    assert directory.find_groups({**on, "accredited": True}, date(2025, 12, 31), 1, 10)[1] == 1
    assert directory.find_groups({**on, "accredited": True}, date(2026, 1, 1), 1, 10)[1] == 0
    assert directory.get_group(group.id, date(2025, 12, 31))["accredited"] is True
    assert directory.get_group(group.id, date(2026, 1, 1))["accredited"] is False


def test_a_leader_accredited_by_several_societies_shows_the_groups_own(client, society):
    other = factories.society()
    person = factories.person()
    group = factories.group(society)
    factories.group_leader(group, person)
    accredit(person, other, title="Other credential")
    accredit(person, society, title="Own credential")
    leader = client.get(f"{URL}/{group.id}").get_json()["leaders"][0]
    assert leader["accreditation"]["credential"] == "Own credential"


def test_a_closed_group_is_found_by_id_and_a_missing_one_is_a_404_problem(client, society):
    closed = led_group(society, status="closed", ends_on=date(2024, 1, 1))
    assert client.get(f"{URL}/{closed.id}").get_json()["status"] == "closed"
    response = client.get(f"{URL}/{closed.id + 1000}")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 404
    assert client.get(f"{URL}/0").status_code == 404
    assert client.get(f"{URL}/99999999999").status_code == 404
    assert client.get(f"{URL}/abc").content_type == "application/problem+json"


def test_societies_are_listed_by_code(client):
    factories.society(code="ZZ", name="Zeta", languages="de,en", website="https://zeta.example")
    factories.society(code="AA", name="Alpha", languages="sv")
    body = client.get("/api/v1/societies").get_json()
    assert body["items"] == [
        {"code": "AA", "name": "Alpha", "country": "SE", "languages": ["sv"], "website": None},
        {"code": "ZZ", "name": "Zeta", "country": "SE", "languages": ["de", "en"], "website": "https://zeta.example"},
    ]
    assert body["pagination"]["total"] == 2


# -- pages ---------------------------------------------------------------------------------

def test_pages_carry_totals_link_and_x_pagination_headers(client, society):
    for n in range(7):
        led_group(society, name=f"Group {n}", format="online")
    response = client.get(URL, query_string={"per_page": 3, "page": 2, "format": "online"})
    assert names(response) == ["Group 3", "Group 4", "Group 5"]
    pagination = response.get_json()["pagination"]
    assert pagination == {"total": 7, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2, "per_page": 3,
                          "previous_page": 1, "next_page": 3}
    assert json.loads(response.headers["X-Pagination"]) == pagination
    links = {part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<").strip()
             for part in response.headers["Link"].split(", ")}
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=3" in links["next"] and "per_page=3" in links["next"] and "format=online" in links["next"]
    assert "page=1" in links["prev"] and "page=3" in links["last"]
    # Following the links walks the list.
    assert names(client.get(links["next"])) == ["Group 6"]


def test_first_page_has_no_prev_and_a_page_past_the_end_is_empty(client, society):
    led_group(society, name="Only")
    first = client.get(URL)
    assert 'rel="prev"' not in first.headers["Link"] and 'rel="next"' not in first.headers["Link"]
    past = client.get(URL, query_string={"page": 5})
    assert past.status_code == 200 and past.get_json()["items"] == []


@pytest.mark.parametrize("query, field", [
    ({"per_page": 101}, "per_page"), ({"per_page": 0}, "per_page"), ({"page": 0}, "page"), ({"page": "two"}, "page"),
    ({"format": "telepathy"}, "format"), ({"audience": "astronaut"}, "audience"), ({"accredited": "yes"}, "accredited"),
    ({"accepting_members": "1"}, "accepting_members"), ({"status": "archived"}, "status"),
    ({"updated_since": "last week"}, "updated_since"), ({"country": "SWE"}, "country"), ({"q": ""}, "q"),
    ({"q": "a\x00b"}, "q"), ({"city": "x" * 101}, "city"), ({"language": "Swedish"}, "language"),
    ({"society": "<script>"}, "society"), ({"sort": "name"}, "sort"), ({"email": "x"}, "email"),
])
def test_invalid_or_unknown_parameters_are_refused_by_name(client, query, field):
    response = client.get(URL, query_string=query)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and problem["type"] == "about:blank"
    assert field in problem["errors"]


def test_societies_refuse_unknown_parameters(client):
    response = client.get("/api/v1/societies", query_string={"country": "SE"})
    assert response.status_code == 422 and "country" in response.get_json()["errors"]


def test_a_page_takes_the_same_number_of_queries_whatever_its_size(app, client, society, monkeypatch):
    monkeypatch.setitem(app.config, "API_DATA_VERSION_REUSE_SECONDS", 0)  # the version read on each request
    for n in range(60):
        group = factories.group(society, name=f"Group {n:02d}", audiences=["gp", "nurse"])
        lead = factories.person()
        factories.group_leader(group, lead)
        factories.certificate(accredit(lead, society))
        factories.group_leader(group, factories.person(), role="co_leader", is_trainee=True)
    db.session.commit()

    def queries_for(per_page: int) -> int:
        with counting_queries(selects_only=True) as statements:
            response = client.get(URL, query_string={"per_page": per_page})
        assert len(response.get_json()["items"]) == per_page
        return len(statements)

    # The data version, the list's ids in order (read once per filter and version), the page's
    # stored summaries: whatever the page's size.
    assert queries_for(5) == 3
    # The same list in pages of 50: its ids are kept, so only the version and the page's summaries.
    assert queries_for(50) == 2
    # Asked again, the page comes from the answer cache: only the data-version query runs.
    assert queries_for(50) == 1


def test_audiences_come_out_sorted_and_complete(client, society):
    group = led_group(society, audiences=["psychologist", "gp"])
    db.session.add(GroupAudience(group_id=group.id, profession="nurse"))
    assert client.get(f"{URL}/{group.id}").get_json()["audience"] == ["gp", "nurse", "psychologist"]


def test_a_deep_page_reads_only_its_own_rows_and_matches_the_whole_list(client, society):
    for n in range(30):
        led_group(society, name=f"Group {29 - n:02d}", accredited_leader=n % 3 != 0)
    db.session.commit()
    everything = [g["name"] for g in client.get(URL, query_string={"per_page": 100}).get_json()["items"]]
    assert everything == sorted(everything) and len(everything) == 30
    accredited = [g["name"] for g in client.get(URL, query_string={"per_page": 100, "accredited": "true"})
                  .get_json()["items"]]

    with counting_queries(selects_only=True) as statements:
        deep = client.get(URL, query_string={"per_page": 4, "page": 7}).get_json()
    assert [g["name"] for g in deep["items"]] == everything[24:28] and deep["pagination"]["total"] == 30
    page_rows = [s for s in statements if "FROM DIRECTORY_SUMMARIES" in s.upper()]
    assert len(page_rows) == 1 and "LIMIT" not in page_rows[0].upper()  # the page's summaries by id, no offset

    filtered = client.get(URL, query_string={"per_page": 4, "page": 4, "accredited": "true"}).get_json()
    assert [g["name"] for g in filtered["items"]] == accredited[12:16]
    assert filtered["pagination"]["total"] == len(accredited) == 20
    assert all(g["accredited"] for g in filtered["items"])
    beyond = client.get(URL, query_string={"per_page": 4, "page": 9, "accredited": "true"}).get_json()
    assert beyond["items"] == [] and beyond["pagination"]["total"] == 20


def test_the_accredited_filter_follows_a_change_at_once(client, society):
    lead = factories.person()
    held = accredit(lead, society)
    led_group(society, name="Followed", leader=lead, accredited_leader=False)
    led_group(society, name="Other")
    db.session.commit()

    def names(accredited: str) -> list[str]:
        return [g["name"] for g in client.get(URL, query_string={"accredited": accredited}).get_json()["items"]]

    assert names("true") == ["Followed", "Other"] and names("false") == []
    held.status, held.invalid_from = "suspended", date.today()
    db.session.commit()
    assert names("true") == ["Other"] and names("false") == ["Followed"]
