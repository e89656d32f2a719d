"""The leader's landing page puts the next actions first, each a count linking to its page; a
trainee, who can never countersign, is not offered "To countersign"."""
from datetime import date, timedelta

from society.extensions import db
from society.models import GroupSession

from . import factories


def landing(client) -> str:
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_accredited_leader_sees_records_to_countersign_renewal_due_and_sessions_to_record(app, society):
    today = date.today()
    leader = factories.accredited_person(society, granted_on=today - timedelta(days=1000),
                                         expires_on=today + timedelta(days=40))
    trainee = factories.member_person(society)
    for _ in range(2):
        factories.training_record(trainee, status="pending", source="self", supervisor_id=leader.id,
                                  occurred_on=today - timedelta(days=10))
    group = factories.group(society, rhythm="fortnightly")
    factories.group_leader(group, leader, starts_on=today - timedelta(days=300))
    db.session.add(GroupSession(group_id=group.id, held_on=today - timedelta(days=40), minutes=90, format="in_person"))
    factories.leader_user(leader, email="landing-leader@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, "landing-leader@example.org")
    page = landing(client)
    assert "Next actions" in page
    assert 'href="/portal/countersign">Records to countersign</a> <span class="badge text-bg-primary">2</span>' in page
    assert "Renewal due</a> <span class=\"badge text-bg-warning\">1</span>" in page
    assert "Sessions to record</a> <span class=\"badge text-bg-secondary\">1</span>" in page
    assert ">To countersign<" in page


def test_a_trainee_is_not_offered_to_countersign(app, society):
    trainee = factories.member_person(society)
    version = factories.rule_set_version(factories.rule_set(society))
    factories.accreditation(trainee, version, status="in_training", training_started_on=date(2025, 1, 1))
    factories.leader_user(trainee, email="landing-trainee@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, "landing-trainee@example.org")
    page = landing(client)
    assert "To countersign" not in page and "Records to countersign" not in page
    assert ">My groups<" in page


def test_nothing_to_do_shows_no_next_actions(leader_client):
    assert "Next actions" not in landing(leader_client)
