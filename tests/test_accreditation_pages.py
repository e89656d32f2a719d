"""Accreditation pages: administrators decide, leaders follow their own progress and apply."""
import re
from datetime import date, timedelta

import pytest

from society.extensions import db
from society.models import Accreditation
from society.services.accreditation import lifecycle

from . import factories

TODAY = date.today()
LEDGER = (dict(kind="participation", units=20), dict(kind="co_leading", units=20),
          dict(kind="intensive", unit="event", units=2), dict(kind="supervisor_report", unit="event", units=1))


@pytest.fixture
def uk(society):
    return factories.frozen_rule_set(society, "uk")


def pathway(person, uk, started=date(2022, 3, 1), status="in_training", **kw):
    version = factories.version_labelled(uk, "2016" if started < date(2023, 6, 1) else "2023")
    return factories.accreditation(person, version, training_started_on=started, status=status, **kw)


def candidate(society, uk, **kw):
    person = factories.person(given_name="Cora", family_name="Candidate")
    factories.membership(person, society)
    return pathway(person, uk, **kw)


def elsewhere():
    other = factories.society()
    person = factories.person(given_name="Otto", family_name="Outsider")
    factories.membership(person, other)
    return pathway(person, factories.frozen_rule_set(other, "uk"), status="applied")


def text(response) -> str:
    return response.get_data(as_text=True)


# -- administrators: the list -------------------------------------------------------------

def test_applications_awaiting_a_decision_are_listed_for_the_admins_society_only(admin_client, society, uk):
    waiting = candidate(society, uk, status="applied")
    elsewhere()
    page = text(admin_client.get("/admin/accreditations/"))
    assert "Applications awaiting a decision" in page
    assert "Cora Candidate" in page and f"/admin/accreditations/{waiting.id}" in page
    assert "Otto Outsider" not in page


def test_the_list_filters_by_status_and_searches_by_name(admin_client, society, uk):
    candidate(society, uk, status="in_training")
    assert "Cora Candidate" not in text(admin_client.get("/admin/accreditations/"))
    assert "Cora Candidate" in text(admin_client.get("/admin/accreditations/?status=in_training"))
    assert "Cora Candidate" in text(admin_client.get("/admin/accreditations/?status=all&q=cand"))
    assert "Cora Candidate" not in text(admin_client.get("/admin/accreditations/?status=all&q=nobody"))
    # What is typed is searched for literally: % and _ are not wildcards.
    assert "Cora Candidate" not in text(admin_client.get("/admin/accreditations/?status=all&q=%25"))
    assert "Cora Candidate" not in text(admin_client.get("/admin/accreditations/?status=all&q=c_ra"))


def test_granted_accreditations_past_their_expiry_are_listed_and_counted_as_expired(admin_client, society, uk):
    today = date.today()
    lapsed = candidate(society, uk, status="granted", granted_on=today - timedelta(days=900),
                       expires_on=today - timedelta(days=1))
    current = factories.person(given_name="Vera", family_name="Valid")
    factories.membership(current, society)
    pathway(current, uk, status="granted", granted_on=today - timedelta(days=10), expires_on=today)
    page = text(admin_client.get("/admin/accreditations/?status=expired"))
    assert re.search(r'href="/admin/accreditations/\?status=expired">[^<]*<span class="badge text-bg-light">1</span>', page)
    assert "Cora Candidate" in page and "Vera Valid" not in page
    granted_tab = text(admin_client.get("/admin/accreditations/?status=granted"))
    assert "Vera Valid" in granted_tab and "Cora Candidate" not in granted_tab
    export = text(admin_client.get("/admin/accreditations/export.csv?status=expired"))
    assert f"{lapsed.id},Cora Candidate" in export and ",expired," in export


def test_accreditation_is_in_the_admin_menu(admin_client):
    assert 'href="/admin/accreditations/"' in text(admin_client.get("/admin/accreditations/"))


def test_leaders_cannot_open_admin_pages(leader_client, society, uk):
    accreditation = candidate(society, uk)
    assert leader_client.get("/admin/accreditations/").status_code == 403
    assert leader_client.get(f"/admin/accreditations/{accreditation.id}").status_code == 403
    assert leader_client.post(f"/admin/accreditations/{accreditation.id}/grant").status_code == 403


# -- administrators: one accreditation ------------------------------------------------------

def test_the_application_shows_the_progress_report_beside_the_decision_form(admin_client, society, uk):
    accreditation = candidate(society, uk, status="applied")
    factories.approved_records(accreditation.person, *LEDGER)
    page = text(admin_client.get(f"/admin/accreditations/{accreditation.id}"))
    assert "Every requirement is met" in page
    assert 'id="action-grant"' in page and 'id="action-reject"' in page
    assert "Group membership: at least 20 sessions" in page


def test_admin_grants_an_application_and_the_history_says_who(admin_client, admin, society, uk):
    accreditation = candidate(society, uk, status="applied")
    response = admin_client.post(f"/admin/accreditations/{accreditation.id}/grant",
                                 data={"reason": "Council, quarterly meeting", "on": "2025-03-01"})
    assert response.status_code == 302
    granted = db.session.get(Accreditation, accreditation.id)
    assert (granted.status, granted.granted_on, granted.decided_by_id) == ("granted", date(2025, 3, 1), admin.id)
    page = text(admin_client.get(f"/admin/accreditations/{accreditation.id}"))
    assert "Council, quarterly meeting" in page and admin.email in page


def test_rejecting_without_a_reason_shows_the_error_beside_the_field(admin_client, society, uk):
    accreditation = candidate(society, uk, status="applied")
    response = admin_client.post(f"/admin/accreditations/{accreditation.id}/reject", data={"reason": ""})
    assert response.status_code == 422 and "Give a reason; it is kept in the history." in text(response)
    assert db.session.get(Accreditation, accreditation.id).status == "applied"
    response = admin_client.post(f"/admin/accreditations/{accreditation.id}/reject", data={"reason": "No portfolio"})
    assert response.status_code == 302 and db.session.get(Accreditation, accreditation.id).status == "rejected"


def test_a_forbidden_transition_is_refused_with_a_clear_message(admin_client, society, uk):
    accreditation = candidate(society, uk, status="in_training")
    response = admin_client.post(f"/admin/accreditations/{accreditation.id}/grant", data={})
    assert response.status_code == 409
    assert "An accreditation that is in training cannot grant (only when applied)." in text(response)
    assert db.session.get(Accreditation, accreditation.id).status == "in_training"


def test_an_unknown_action_is_not_found(admin_client, society, uk):
    accreditation = candidate(society, uk)
    assert admin_client.post(f"/admin/accreditations/{accreditation.id}/approve-everything").status_code == 404


def test_another_societys_accreditation_answers_404(admin_client):
    foreign = elsewhere()
    assert admin_client.get(f"/admin/accreditations/{foreign.id}").status_code == 404
    assert admin_client.get(f"/admin/accreditations/{foreign.id}/progress").status_code == 404
    assert admin_client.post(f"/admin/accreditations/{foreign.id}/grant", data={}).status_code == 404
    assert db.session.get(Accreditation, foreign.id).status == "applied"


def granted(society, admin, rule_set_name="se"):
    rule_set = factories.shipped_rule_set(society, rule_set_name)
    person = factories.person(given_name="Gunnar", family_name="Granted")
    factories.membership(person, society)
    accreditation = lifecycle.start_pathway(person, rule_set, date(2021, 1, 1), by=admin)
    lifecycle.apply(accreditation, date(2021, 6, 1), by=admin)
    lifecycle.grant(accreditation, admin, None, date(2021, 6, 1))
    return accreditation


def test_admin_suspends_reinstates_renews_and_revokes(admin_client, admin, society):
    accreditation = granted(society, admin)
    url = f"/admin/accreditations/{accreditation.id}"
    page = text(admin_client.get(url))
    for action in ("renew", "suspend", "revoke", "expire"):
        assert f'id="action-{action}"' in page
    assert admin_client.post(f"{url}/suspend", data={"reason": "Complaint", "public_reason": "Under review",
                                                    "on": "2025-01-01"}).status_code == 302
    row = db.session.get(Accreditation, accreditation.id)
    assert (row.status, row.invalid_from, row.public_reason) == ("suspended", date(2025, 1, 1), "Under review")
    assert admin_client.post(f"{url}/reinstate", data={"reason": "Dismissed"}).status_code == 302
    assert db.session.get(Accreditation, accreditation.id).invalid_from is None
    assert admin_client.post(f"{url}/renew", data={"on": "2026-04-01"}).status_code == 302
    assert db.session.get(Accreditation, accreditation.id).expires_on == date(2031, 6, 1)
    assert admin_client.post(f"{url}/revoke", data={"reason": "Struck off"}).status_code == 302
    assert db.session.get(Accreditation, accreditation.id).status == "revoked"
    assert "No further decision is possible" in text(admin_client.get(url))


def test_admin_marks_an_accreditation_expired_only_after_its_expiry(admin_client, admin, society):
    accreditation = granted(society, admin)
    url = f"/admin/accreditations/{accreditation.id}/expire"
    refused = admin_client.post(url, data={"on": "2026-05-01"})
    assert refused.status_code == 409 and "expires Jun 1, 2026, not before" in text(refused)
    assert admin_client.post(url, data={"on": "2026-06-02"}).status_code == 302
    assert db.session.get(Accreditation, accreditation.id).status == "expired"


def test_admin_moves_a_candidate_to_another_version(admin_client, society, uk):
    accreditation = candidate(society, uk)
    new = factories.version_labelled(uk, "2023")
    url = f"/admin/accreditations/{accreditation.id}/move_version"
    assert admin_client.post(url, data={"version_id": str(new.id)}).status_code == 422  # no reason
    assert admin_client.post(url, data={"version_id": str(new.id), "reason": "Asked for it"}).status_code == 302
    assert db.session.get(Accreditation, accreditation.id).rule_set_version_id == new.id


def test_a_version_of_another_society_cannot_be_moved_to(admin_client, society, uk):
    accreditation = candidate(society, uk)
    foreign_version = elsewhere().rule_set_version
    response = admin_client.post(f"/admin/accreditations/{accreditation.id}/move_version",
                                 data={"version_id": str(foreign_version.id), "reason": "x"})
    assert response.status_code == 400 and "same rule set" in text(response)


def test_admin_sees_a_candidates_progress_on_any_day(admin_client, society, uk):
    accreditation = candidate(society, uk)
    factories.training_record(accreditation.person, units=12, occurred_on=date(2024, 5, 1))
    before = text(admin_client.get(f"/admin/accreditations/{accreditation.id}/progress?on=2024-04-30"))
    after = text(admin_client.get(f"/admin/accreditations/{accreditation.id}/progress?on=2024-05-01"))
    assert "Missing: 20 sessions" in before and "Missing: 8 sessions" in after
    assert admin_client.get(f"/admin/accreditations/{accreditation.id}/progress?on=yesterday").status_code == 422


def test_admin_finds_a_member_and_starts_their_pathway_on_the_version_in_force(admin_client, society, uk):
    person = factories.person(given_name="Nora", family_name="Newcomer")
    factories.membership(person, society)
    stranger = factories.person(given_name="Nora", family_name="Stranger")
    found = text(admin_client.get("/admin/accreditations/start?q=nora"))
    assert "Nora Newcomer" in found and "Nora Stranger" not in found
    assert admin_client.get(f"/admin/accreditations/start?person_id={stranger.id}").status_code == 404
    response = admin_client.post("/admin/accreditations/start", data={
        "person_id": str(person.id), "rule_set_id": str(uk.id), "training_started_on": "2022-09-01"})
    assert response.status_code == 302
    started = db.session.scalar(db.select(Accreditation).where(Accreditation.person_id == person.id))
    assert started.rule_set_version.label == "2016" and started.status == "in_training"


def test_starting_needs_a_date_a_member_and_an_own_rule_set(admin_client, society, uk):
    person = factories.person()
    factories.membership(person, society)
    missing_date = admin_client.post("/admin/accreditations/start", data={"person_id": str(person.id), "rule_set_id": str(uk.id)})
    assert missing_date.status_code == 422 and "Say when training started." in text(missing_date)
    foreign_rule_set = elsewhere().rule_set_version.rule_set
    response = admin_client.post("/admin/accreditations/start", data={
        "person_id": str(person.id), "rule_set_id": str(foreign_rule_set.id), "training_started_on": "2024-01-01"})
    assert response.status_code == 422 and "Choose one of your society&#39;s rule sets." in text(response)
    too_early = admin_client.post("/admin/accreditations/start", data={
        "person_id": str(person.id), "rule_set_id": str(uk.id), "training_started_on": "2001-01-01"})
    assert too_early.status_code == 422 and "No version" in text(too_early)


def test_decisions_need_the_csrf_token(csrf_app, admin, society, uk):
    accreditation = candidate(society, uk, status="applied")
    client = csrf_app.test_client()
    token = factories.log_in_with_csrf(client, admin.email)
    assert client.post(f"/admin/accreditations/{accreditation.id}/grant").status_code == 400
    assert client.post(f"/admin/accreditations/{accreditation.id}/grant", data={"csrf_token": token}).status_code == 302


# -- leaders ---------------------------------------------------------------------------------

def test_a_leader_lands_on_their_progress(leader_client):
    response = leader_client.get("/")
    assert response.status_code == 302 and response.location.endswith("/portal/progress")
    assert 'href="/portal/progress"' in text(leader_client.get("/portal/progress"))


def test_leader_sees_progress_bars_what_is_missing_and_the_alternatives(leader_client, leader, uk):
    pathway(leader.person, uk)
    factories.training_record(leader.person, units=12)
    page = text(leader_client.get("/portal/progress"))
    assert 'aria-valuenow="60"' in page  # 12 of 20 sessions
    assert "Missing: 8 sessions" in page
    assert "any one of 3 alternatives" in page and "only if psychodynamically trained" in page
    assert "does not apply" in page
    apply_button = re.search(r'<button class="btn btn-primary" type="submit"[^>]*>', page).group(0)
    assert "disabled" in apply_button


def test_the_apply_button_is_enabled_once_everything_is_met(leader_client, leader, uk):
    pathway(leader.person, uk)
    factories.approved_records(leader.person, *LEDGER)
    page = text(leader_client.get("/portal/progress"))
    assert "Every requirement is met" in page
    assert "disabled" not in re.search(r'<button class="btn btn-primary" type="submit"[^>]*>', page).group(0)
    assert "disabled" not in re.search(r'<button class="btn btn-primary" type="submit"[^>]*>',
                                       text(leader_client.get("/portal/apply"))).group(0)


def test_a_leader_applies_when_met(leader_client, leader, uk):
    accreditation = pathway(leader.person, uk)
    factories.approved_records(leader.person, *LEDGER)
    response = leader_client.post("/portal/apply", data={"accreditation_id": str(accreditation.id)})
    assert response.status_code == 302 and response.location.endswith("/portal/accreditations")
    assert db.session.get(Accreditation, accreditation.id).status == "applied"
    page = text(leader_client.get("/portal/accreditations"))
    assert "Applied" in page and "applied" in page


def test_a_leader_cannot_apply_before_everything_is_met(leader_client, leader, uk):
    accreditation = pathway(leader.person, uk)
    factories.training_record(leader.person, units=20)
    response = leader_client.post("/portal/apply", data={"accreditation_id": str(accreditation.id)})
    assert response.status_code == 422 and "Not every requirement is met yet" in text(response)
    assert db.session.get(Accreditation, accreditation.id).status == "in_training"


def test_a_leader_sees_and_applies_only_for_their_own(leader_client, leader, society, uk):
    theirs = candidate(society, uk)
    factories.approved_records(theirs.person, *LEDGER)
    pathway(leader.person, uk)
    assert "Cora Candidate" not in text(leader_client.get("/portal/accreditations"))
    assert leader_client.get(f"/portal/apply?accreditation={theirs.id}").status_code == 404
    assert leader_client.post("/portal/apply", data={"accreditation_id": str(theirs.id)}).status_code == 404
    assert db.session.get(Accreditation, theirs.id).status == "in_training"


def test_a_leader_reads_the_history_of_their_accreditations(leader_client, leader, admin, uk):
    accreditation = lifecycle.start_pathway(leader.person, uk, date(2022, 3, 1), by=admin)
    lifecycle.apply(accreditation, TODAY, by=admin)
    lifecycle.reject(accreditation, admin, "The supervisor's report is missing", TODAY)
    page = text(leader_client.get("/portal/accreditations"))
    assert "Pathway started" in page and "Rejected" in page and "The supervisor&#39;s report is missing" in page
    assert "You may apply again" in text(leader_client.get("/portal/progress"))


def test_a_leader_without_a_pathway_is_told_so(leader_client):
    assert "not on an accreditation pathway yet" in text(leader_client.get("/portal/progress"))
    assert "no pathway to apply on" in text(leader_client.get("/portal/apply"))


def test_a_granted_leader_sees_their_credential(leader_client, leader, uk, admin):
    accreditation = pathway(leader.person, uk, status="applied")
    lifecycle.grant(accreditation, admin, None, TODAY - timedelta(days=3))
    assert "You hold the credential Accredited Balint Group Leader" in text(leader_client.get("/portal/progress"))


def test_admins_and_unlinked_accounts_do_not_use_the_portal(admin_client, app, society):
    assert admin_client.get("/portal/progress").status_code == 403
    loner = factories.user(role="leader", email="loner@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, loner.email)
    assert client.get("/portal/progress").status_code == 403


def test_renewal_asks_for_confirmation_naming_the_new_expiry_and_a_second_one_is_refused(admin_client, admin, society):
    accreditation = granted(society, admin)
    url = f"/admin/accreditations/{accreditation.id}"
    page = text(admin_client.get(url))
    form = page[page.index('id="action-renew"') - 400:page.index('id="action-renew"')]
    expected = lifecycle.renewed_expiry(accreditation, date.today()).isoformat()
    assert "data-confirm=" in form and expected in form
    for action in ("suspend", "revoke", "expire"):
        start = page.index(f'id="action-{action}"')
        assert "data-confirm=" in page[start - 300:start]
    assert admin_client.post(f"{url}/renew", data={"on": "2026-04-01"}).status_code == 302
    again = admin_client.post(f"{url}/renew", data={"on": "2026-04-01"})
    assert again.status_code == 409 and "already valid until 2031-06-01" in text(again)
    assert db.session.get(Accreditation, accreditation.id).expires_on == date(2031, 6, 1)
