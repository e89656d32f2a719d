"""Leaders see the groups they lead or co-lead, current and past, with their next steps."""
from datetime import date, timedelta

from babel.dates import format_date

from society.extensions import db

from . import factories

TODAY = date.today()


def section(html: str, heading_id: str) -> str:
    start = html.find(f'id="{heading_id}"')
    if start < 0:
        return ""
    end = html.find('<h2', start + 1)
    return html[start:end if end > 0 else len(html)]


def test_current_and_past_groups_with_their_next_steps(leader_client, leader, society):
    me = leader.person
    current = factories.group(society, name="Uppsala Tuesday", rhythm="weekly")
    factories.group_leader(current, me, role="co_leader", is_trainee=True, starts_on=date(2023, 1, 1))
    for _ in range(2):
        factories.participant(current, factories.person())
    past = factories.group(society, name="Gävle group", status="closed")
    factories.group_leader(past, me, starts_on=date(2020, 1, 1), ends_on=date(2022, 12, 31))
    factories.group(society, name="Not mine")
    html = leader_client.get("/portal/groups").get_data(as_text=True)
    now, before = section(html, "current-groups"), section(html, "past-groups")
    assert "Uppsala Tuesday" in now and "Gävle group" in before and "Not mine" not in html
    assert "2 participants today" in now
    assert "2 participants, fewer than the society&#39;s minimum of 4." in now  # Society default norm
    assert "as a trainee you need an accredited supervisor" in now
    assert "No session has been recorded yet" in now
    assert "Next steps" not in before
    assert f"/groups/{current.id}/sessions/new" in now and f"/groups/{past.id}/sessions" not in before


def test_an_accredited_co_leader_and_waiting_records_show_on_the_group(app, leader, society, leader_client):
    me = leader.person
    group = factories.group(society, name="Malmö monthly", rhythm="monthly")
    factories.group_leader(group, me, starts_on=date(2023, 1, 1))
    partner = factories.accredited_person(society, given_name="Per", family_name="Partner")
    factories.group_leader(group, partner, role="co_leader", starts_on=date(2023, 1, 1))
    trainee = factories.person()
    factories.training_record(trainee, status="pending", source="self", kind="co_leading", group_id=group.id,
                              occurred_on=date(2024, 3, 1))
    html = leader_client.get("/portal/groups").get_data(as_text=True)
    assert "1 record(s) from this group wait for your countersignature." in html
    assert "Per Partner ✓" in html
    assert "No leader of this group is accredited today" not in html


def test_an_overdue_session_is_a_next_step(leader_client, leader, society):
    from society.models import GroupSession

    group = factories.group(society, rhythm="fortnightly")
    factories.group_leader(group, leader.person, starts_on=date(2023, 1, 1))
    last = TODAY - timedelta(days=40)
    db.session.add(GroupSession(group=group, held_on=last, minutes=90))
    db.session.flush()
    html = leader_client.get("/portal/groups").get_data(as_text=True)
    assert f"No session recorded since {format_date(last, 'medium', locale='en')}" in html and "1 session recorded" in html


def test_a_leader_without_groups_is_told_so(leader_client):
    assert "You do not lead or co-lead any group." in leader_client.get("/portal/groups").get_data(as_text=True)
