"""Join details: administrators and the group's own leaders edit them; the directory publishes and filters them."""
from datetime import date, time

from society.extensions import db
from society.models import Group

from . import factories

TODAY = date.today()


def join_form(group: Group, **overrides) -> dict:
    form = {"version_id": str(group.version_id), "setting": "primary_care", "term": "ongoing",
            "accepting_members": "y", "open_places": "3", "meeting_weekday": "1", "meeting_time": "18:30",
            "timezone": "Europe/Stockholm", "city": "Göteborg", "address": "Vårdcentralen Majorna, Allmänna vägen 1",
            "cme_recognised": "y", "cme_recognised_by": "SFAM"}
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def test_an_administrator_saves_join_details_and_the_directory_shows_them(admin_client, society, client):
    group = factories.group(society, name="Majorna GPs")
    leader = factories.person(profession="psychiatrist")
    factories.group_leader(group, leader)
    db.session.commit()

    response = admin_client.post(f"/admin/groups/{group.id}/join-details", data=join_form(group))
    assert response.status_code == 302, response.get_data(as_text=True)

    body = client.get(f"/api/v1/groups/{group.id}").get_json()
    assert body["join"] == {"setting": "primary_care", "term": "ongoing", "open_places": 3,
                            "cme": {"recognised": True, "recognised_by": "SFAM"},
                            "leader_professions": ["psychiatrist"]}
    assert body["schedule"]["weekday"] == 1 and body["schedule"]["start_time"] == "18:30:00"
    assert body["schedule"]["time_zone"] == "Europe/Stockholm"
    assert body["place"] == {"city": "Göteborg", "country": "SE", "address": "Vårdcentralen Majorna, Allmänna vägen 1"}


def test_a_time_limited_group_needs_its_end_and_a_bad_time_zone_is_refused(admin_client, society):
    group = factories.group(society)
    db.session.commit()
    response = admin_client.post(f"/admin/groups/{group.id}/join-details",
                                 data=join_form(group, term="time_limited", timezone="Mars/Olympus"))
    assert response.status_code == 422
    assert "A time zone such as Europe/Stockholm." in response.get_data(as_text=True)

    response = admin_client.post(f"/admin/groups/{group.id}/join-details", data=join_form(group, term="time_limited"))
    assert response.status_code == 422
    assert "A time-limited group needs its last day." in response.get_data(as_text=True)
    db.session.refresh(group)
    assert group.term == "ongoing"


def test_a_stale_save_comes_back_as_typed_with_a_409(admin_client, society):
    group = factories.group(society)
    db.session.commit()
    stale = join_form(group, address="Typed address")
    group.city = "Lund"
    db.session.commit()
    response = admin_client.post(f"/admin/groups/{group.id}/join-details", data=stale)
    assert response.status_code == 409
    assert "Typed address" in response.get_data(as_text=True)


def test_a_leader_edits_their_own_group_only(leader_client, leader, society):
    own = factories.group(society, name="Mine")
    factories.group_leader(own, leader.person)
    other = factories.group(society, name="Theirs")
    past = factories.group(society, name="Past")
    factories.group_leader(past, leader.person, starts_on=date(2020, 1, 1), ends_on=date(2021, 1, 1))
    db.session.commit()

    assert leader_client.get(f"/portal/groups/{own.id}/join-details").status_code == 200
    response = leader_client.post(f"/portal/groups/{own.id}/join-details", data=join_form(own, open_places="2"))
    assert response.status_code == 302
    db.session.refresh(own)
    assert own.open_places == 2 and own.meeting_time == time(18, 30)

    for group in (other, past):
        assert leader_client.get(f"/portal/groups/{group.id}/join-details").status_code == 404
        assert leader_client.post(f"/portal/groups/{group.id}/join-details", data=join_form(group)).status_code == 404
    assert leader_client.get(f"/admin/groups/{own.id}/join-details").status_code == 403


def test_an_administrator_of_another_society_cannot_see_the_group(admin_client):
    elsewhere = factories.group(factories.society(code="UKBS"))
    db.session.commit()
    assert admin_client.get(f"/admin/groups/{elsewhere.id}/join-details").status_code == 404


def test_sessions_can_be_cancelled_moved_and_restored(leader_client, leader, society):
    group = factories.group(society, rhythm="weekly", meeting_weekday=0, meeting_time=time(18),
                            timezone="Europe/Stockholm", starts_on=date(2030, 1, 7))
    factories.group_leader(group, leader.person)
    db.session.commit()
    url = f"/portal/groups/{group.id}/join-details/exceptions"
    assert leader_client.post(url, data={"occurs_on": "2030-01-14", "kind": "cancelled"}).status_code == 302
    refused = leader_client.post(url, data={"occurs_on": "2030-01-21", "kind": "moved"})
    assert refused.status_code == 422 and "When does the moved session take place?" in refused.get_data(as_text=True)
    assert leader_client.post(url, data={"occurs_on": "2030-01-21", "kind": "moved",
                                         "moved_to": "2030-01-23T17:00"}).status_code == 302
    db.session.refresh(group)
    assert [(e.occurs_on, e.kind) for e in group.exceptions] == [(date(2030, 1, 14), "cancelled"),
                                                                 (date(2030, 1, 21), "moved")]
    assert leader_client.get(f"/portal/groups/{group.id}/join-details").status_code == 200

    cancelled = group.exceptions[0]
    assert leader_client.post(f"{url}/{cancelled.id}/delete").status_code == 302
    db.session.refresh(group)
    assert [e.occurs_on for e in group.exceptions] == [date(2030, 1, 21)]


def test_the_directory_filters_by_join_details(client, society):
    gp, psychiatrist = factories.person(profession="gp"), factories.person(profession="psychiatrist")
    open_gp = factories.group(society, name="A open", accepting_members=True, open_places=2, setting="hospital",
                              cme_recognised=True)
    factories.group_leader(open_gp, gp)
    full = factories.group(society, name="B full", accepting_members=True, open_places=0, setting="private_practice")
    factories.group_leader(full, psychiatrist)
    limited = factories.group(society, name="C limited", accepting_members=False, term="time_limited",
                              ends_on=date(2031, 6, 1))
    factories.group_leader(limited, psychiatrist)
    db.session.commit()

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/groups?{query}")
        assert response.status_code == 200, response.get_json()
        return [item["name"] for item in response.get_json()["items"]]

    assert names("open_places=true") == ["A open"]
    assert names("open_places=false") == ["B full", "C limited"]
    assert names("setting=hospital") == ["A open"]
    assert names("leader_profession=psychiatrist") == ["B full", "C limited"]
    assert names("term=time_limited") == ["C limited"]
    assert names("cme=true") == ["A open"]
    assert client.get("/api/v1/groups?setting=castle").status_code == 422


def test_the_openapi_document_describes_the_join_details(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"] for p in document["paths"]["/api/v1/groups"]["get"]["parameters"]}
    assert {"setting", "term", "open_places", "cme", "leader_profession"} <= parameters
    group = document["components"]["schemas"]["Group"]
    assert "join" in group["properties"]
    assert "text/calendar" in document["paths"]["/api/v1/groups/{group_id}/calendar.ics"]["get"]["responses"]["200"]["content"]


def test_the_group_form_keeps_a_time_limited_groups_last_day(admin_client, society):
    group = factories.group(society, name="Course", term="time_limited", ends_on=date(2031, 6, 1))
    db.session.commit()
    form = {"version_id": group.version_id, "name": "Course", "city": "Uppsala", "country": "SE",
            "format": "in_person", "language": "sv", "rhythm": "fortnightly", "session_minutes": "90",
            "status": "active", "starts_on": "2024-01-01", "audiences": "gp"}
    response = admin_client.post(f"/admin/groups/{group.id}/edit", data=form)
    assert response.status_code == 422
    assert "A time-limited group needs its last day." in response.get_data(as_text=True)
