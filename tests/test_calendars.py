"""A group's sessions as iCalendar, and a leader's personal feed at a secret, renewable address.

The feeds are read back with a real parser (icalendar) and their recurrence expanded with
dateutil, so what a calendar application would show is what is checked."""
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from society.extensions import db
from society.models import SessionException

from . import factories

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def meeting_group(society, **kw):
    values = dict(name="Tuesday GPs", rhythm="fortnightly", meeting_weekday=1, meeting_time=time(18, 0),
                  timezone="Europe/Stockholm", starts_on=date(2026, 1, 5), ends_on=date(2026, 6, 30),
                  session_minutes=90, address="Storgatan 1", city="Umeå")
    values.update(kw)
    return factories.group(society, **values)


def sessions_of(ics: bytes, uid: str) -> list[datetime]:
    """The starts a calendar application shows for the series ``uid``: RRULE less EXDATE, overrides applied."""
    calendar = Calendar.from_ical(ics)
    events = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    master = next(e for e in events if "RECURRENCE-ID" not in e)
    start = master.decoded("DTSTART")
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    excluded = set()
    for exdate in master.get("EXDATE", []) if isinstance(master.get("EXDATE"), list) else [master.get("EXDATE")]:
        if exdate is not None:
            excluded.update(d.dt for d in exdate.dts)
    moved = {e.decoded("RECURRENCE-ID"): e.decoded("DTSTART") for e in events if "RECURRENCE-ID" in e}
    starts = [moved.get(s, s) for s in rule if s not in excluded]
    return sorted(starts)


def test_a_group_calendar_recurs_in_its_time_zone_with_cancelled_and_moved_sessions(client, society):
    group = meeting_group(society)
    db.session.add_all([
        SessionException(group=group, occurs_on=date(2026, 1, 20), kind="cancelled"),
        SessionException(group=group, occurs_on=date(2026, 2, 3), kind="moved", moved_to=datetime(2026, 2, 5, 17, 0),
                         note="Room change"),
    ])
    db.session.commit()

    response = client.get(f"/api/v1/groups/{group.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    master = next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e)
    assert master["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert str(master["LOCATION"]) == "Storgatan 1, Umeå"

    starts = sessions_of(response.data, f"group-{group.id}@groups.balint-registry")
    at_six = [datetime(2026, m, d, 18, 0, tzinfo=STOCKHOLM) for m, d in
              ((1, 6), (2, 17), (3, 3), (3, 17), (3, 31), (4, 14), (4, 28), (5, 12), (5, 26), (6, 9), (6, 23))]
    assert starts == sorted(at_six + [datetime(2026, 2, 5, 17, 0, tzinfo=STOCKHOLM)])
    # 18:00 local on both sides of the change to summer time: 17:00 UTC in March, 16:00 UTC in April.
    assert starts[3].astimezone(ZoneInfo("UTC")).hour == 17 and starts[6].astimezone(ZoneInfo("UTC")).hour == 16


def test_a_monthly_group_meets_on_the_same_weekday_of_the_month(client, society):
    group = meeting_group(society, rhythm="monthly", meeting_weekday=3, starts_on=date(2026, 3, 1),
                          ends_on=date(2026, 7, 31))
    db.session.commit()
    ics = client.get(f"/api/v1/groups/{group.id}/calendar.ics").data
    days = [s.date() for s in sessions_of(ics, f"group-{group.id}@groups.balint-registry")]
    assert days == [date(2026, 3, 5), date(2026, 4, 2), date(2026, 5, 7), date(2026, 6, 4), date(2026, 7, 2)]


def test_a_group_without_a_meeting_time_has_an_empty_calendar_and_an_unknown_one_is_404(client, society):
    group = factories.group(society)
    db.session.commit()
    response = client.get(f"/api/v1/groups/{group.id}/calendar.ics")
    assert response.status_code == 200 and Calendar.from_ical(response.data).walk("VEVENT") == []
    assert client.get("/api/v1/groups/999999/calendar.ics").status_code == 404


def test_the_calendar_answers_304_when_unchanged(client, society):
    group = meeting_group(society)
    db.session.commit()
    first = client.get(f"/api/v1/groups/{group.id}/calendar.ics")
    again = client.get(f"/api/v1/groups/{group.id}/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_leader_gets_a_personal_feed_and_renewing_it_retires_the_old_address(leader_client, leader, society, client):
    led = meeting_group(society, name="Mine")
    factories.group_leader(led, leader.person)
    co_led = meeting_group(society, name="Also mine", meeting_weekday=3)
    factories.group_leader(co_led, leader.person, role="co_leader")
    meeting_group(society, name="Not mine")
    db.session.commit()

    page = leader_client.post("/portal/calendar").get_data(as_text=True)
    first = re.search(r'<code id="calendar-address">[^<]*(/calendar/[^<]+\.ics)</code>', page).group(1)
    response = client.get(first)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    summaries = sorted(str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT"))
    assert summaries == ["Also mine", "Mine"]
    db.session.refresh(leader)
    assert first.split("/")[-1][:-4] not in (leader.calendar_token_hash or "")  # only its hash is kept

    page = leader_client.post("/portal/calendar").get_data(as_text=True)
    second = re.search(r'(/calendar/[^<]+\.ics)</code>', page).group(1)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_disabled_login_feed_stops(leader_client, leader, client):
    page = leader_client.post("/portal/calendar").get_data(as_text=True)
    address = re.search(r'(/calendar/[^<]+\.ics)</code>', page).group(1)
    leader.is_enabled = False
    db.session.commit()
    assert client.get(address).status_code == 404
