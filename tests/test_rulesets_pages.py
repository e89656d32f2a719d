"""Administrators edit their society's rule sets as data: rule sets, versions, requirements."""
from datetime import date
from decimal import Decimal

from society.extensions import db
from society.models import Requirement, RuleSet, RuleSetVersion
from society.services.accreditation import rulesets

from . import factories


def uk(society):
    return factories.frozen_rule_set(society, "uk")


def test_admin_sees_the_list_of_their_rule_sets(admin_client, society):
    uk(society)
    other = factories.society()
    factories.rule_set(other, code="someone-elses")
    page = admin_client.get("/admin/rule-sets/").get_data(as_text=True)
    assert "uk-leader" in page and "Accredited Balint Group Leader" in page
    assert "someone-elses" not in page


def test_rule_sets_are_in_the_admin_menu_and_not_for_leaders(admin_client, leader_client):
    assert 'href="/admin/rule-sets/"' in admin_client.get("/admin/rule-sets/").get_data(as_text=True)
    assert leader_client.get("/admin/rule-sets/").status_code == 403


def test_admin_creates_a_rule_set(admin_client, society):
    response = admin_client.post("/admin/rule-sets/new", data={"code": "se-handledare", "credential_title": "Handledare"})
    assert response.status_code == 302
    rule_set = db.session.scalar(db.select(RuleSet).where(RuleSet.code == "se-handledare"))
    assert rule_set.society_id == society.id and response.location.endswith(f"/admin/rule-sets/{rule_set.id}")


def test_a_bad_code_is_shown_beside_the_field_and_what_was_typed_is_kept(admin_client):
    response = admin_client.post("/admin/rule-sets/new", data={"code": "Not A Code", "credential_title": "Kept title"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use lower-case letters, digits and hyphens." in page and 'value="Kept title"' in page


def test_a_duplicate_code_is_refused(admin_client, society):
    uk(society)
    response = admin_client.post("/admin/rule-sets/new", data={"code": "uk-leader", "credential_title": "Again"})
    assert response.status_code == 422 and "already has a rule set with the code uk-leader" in response.get_data(as_text=True)


def test_admin_edits_a_rule_set(admin_client, society):
    rule_set = uk(society)
    response = admin_client.post(f"/admin/rule-sets/{rule_set.id}/edit",
                                 data={"code": "uk-leader", "credential_title": "Accredited Leader", "description": "New"})
    assert response.status_code == 302
    assert db.session.get(RuleSet, rule_set.id).credential_title == "Accredited Leader"


def test_another_societys_rule_set_answers_404_everywhere(admin_client):
    other = factories.society()
    rule_set = uk(other)
    version = rule_set.versions[0]
    requirement = version.requirements[0]
    for url in (f"/admin/rule-sets/{rule_set.id}", f"/admin/rule-sets/{rule_set.id}/edit",
                f"/admin/rule-sets/versions/{version.id}", f"/admin/rule-sets/versions/{version.id}/edit",
                f"/admin/rule-sets/requirements/{requirement.id}/edit"):
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.post(f"/admin/rule-sets/requirements/{requirement.id}/delete").status_code == 404
    assert admin_client.post(f"/admin/rule-sets/versions/{version.id}/copy",
                             data={"label": "x", "effective_from": "2030-01-01"}).status_code == 404
    assert db.session.get(Requirement, requirement.id) is not None


def test_version_page_shows_clauses_with_their_alternatives(admin_client, society):
    version = factories.version_labelled(uk(society), "2016")
    page = admin_client.get(f"/admin/rule-sets/versions/{version.id}").get_data(as_text=True)
    assert "Psychodynamically trained: at least 8 sessions" in page
    assert "only if psychodynamically trained" in page
    assert "3 alternatives" in page


def test_admin_creates_a_version_with_validity_warning_days_and_pace(admin_client, society):
    rule_set = uk(society)
    response = admin_client.post(f"/admin/rule-sets/{rule_set.id}/versions/new", data={
        "label": "2027", "effective_from": "2027-01-01", "validity_months": "60", "warning_days": "30,90, 60",
        "pace_supervision_per_year": "8", "pace_leading_per_year": "12.5"})
    assert response.status_code == 302
    version = db.session.scalar(db.select(RuleSetVersion).where(RuleSetVersion.label == "2027"))
    assert (version.validity_months, version.warning_days) == (60, "90,60,30")
    assert version.pace_leading_per_year == Decimal("12.5")


def test_a_version_cannot_end_before_it_starts(admin_client, society):
    rule_set = uk(society)
    response = admin_client.post(f"/admin/rule-sets/{rule_set.id}/versions/new", data={
        "label": "bad", "effective_from": "2027-01-01", "effective_to": "2026-01-01"})
    assert response.status_code == 422 and "cannot end before it starts" in response.get_data(as_text=True)


def test_bad_warning_days_are_refused(admin_client, society):
    rule_set = uk(society)
    response = admin_client.post(f"/admin/rule-sets/{rule_set.id}/versions/new", data={
        "label": "bad", "effective_from": "2027-01-01", "warning_days": "soon"})
    assert response.status_code == 422 and "separated by commas" in response.get_data(as_text=True)


def test_admin_edits_a_version_in_use_and_is_warned(admin_client, society):
    version = factories.version_labelled(uk(society), "2016")
    person = factories.person()
    factories.accreditation(person, version)
    assert "1 candidate is on this version" in admin_client.get(
        f"/admin/rule-sets/versions/{version.id}/edit").get_data(as_text=True)
    response = admin_client.post(f"/admin/rule-sets/versions/{version.id}/edit", data={
        "label": "2016", "effective_from": "2016-01-01", "effective_to": "2023-05-31", "validity_months": "36"})
    assert response.status_code == 302 and db.session.get(RuleSetVersion, version.id).validity_months == 36


def test_copying_a_version_starts_a_new_one_and_ends_the_old_the_day_before(admin_client, society):
    version = factories.version_labelled(uk(society), "2023")
    response = admin_client.post(f"/admin/rule-sets/versions/{version.id}/copy",
                                 data={"label": "2027", "effective_from": "2027-01-01", "close_previous": "y"})
    assert response.status_code == 302
    copy = db.session.scalar(db.select(RuleSetVersion).where(RuleSetVersion.label == "2027"))
    assert [r.label for r in copy.requirements] == [r.label for r in db.session.get(RuleSetVersion, version.id).requirements]
    assert db.session.get(RuleSetVersion, version.id).effective_to == date(2026, 12, 31)
    assert copy.effective_from == date(2027, 1, 1) and copy.effective_to is None


def test_a_copy_must_start_after_the_version_it_copies(admin_client, society):
    version = factories.version_labelled(uk(society), "2023")
    response = admin_client.post(f"/admin/rule-sets/versions/{version.id}/copy",
                                 data={"label": "early", "effective_from": "2020-01-01"})
    assert response.status_code == 422 and "Start the new version after Jun 1, 2023" in response.get_data(as_text=True)


def test_admin_adds_an_alternative_with_a_condition_and_every_field(admin_client, society):
    version = factories.version_labelled(uk(society), "2023")
    response = admin_client.post(f"/admin/rule-sets/versions/{version.id}/requirements/new", data={
        "label": "Psychotherapists: 4 sessions online or in person", "clause": "1", "option": "d",
        "applies_if": "psychotherapy_qualified", "kind": "participation", "also_counts": ["co_leading", "leading"],
        "unit": "hour", "minutes_per_unit": "60", "minimum": "4", "window_kind": "rolling_months",
        "window_months": "18", "requires_accredited_leader": "y", "in_person_only": "y"})
    assert response.status_code == 302
    added = db.session.scalar(db.select(Requirement).where(Requirement.option == "d"))
    assert (added.clause, added.applies_if, added.also_counts, added.minutes_per_unit) == (
        1, "psychotherapy_qualified", "co_leading,leading", 60)
    assert (added.window_kind, added.window_months, added.requires_accredited_leader, added.in_person_only) == (
        "rolling_months", 18, True, True)


def test_a_rolling_window_needs_its_months(admin_client, society):
    version = factories.version_labelled(uk(society), "2023")
    response = admin_client.post(f"/admin/rule-sets/versions/{version.id}/requirements/new", data={
        "label": "Rolling", "clause": "9", "kind": "leading", "unit": "session", "minimum": "5",
        "window_kind": "rolling_months", "also_counts": ["leading", "supervision"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "how many months" in page
    assert 'value="supervision" selected' in page  # what was chosen is kept


def test_a_minimum_of_zero_and_an_unknown_kind_are_refused(admin_client, society):
    version = factories.version_labelled(uk(society), "2023")
    response = admin_client.post(f"/admin/rule-sets/versions/{version.id}/requirements/new", data={
        "label": "Nothing", "clause": "9", "kind": "gardening", "unit": "session", "minimum": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give a minimum above 0." in page and "Must be one of" in page


def test_admin_edits_and_removes_a_requirement(admin_client, society):
    version = factories.version_labelled(uk(society), "2023")
    portfolio = next(r for r in version.requirements if r.kind == "portfolio")
    form = admin_client.get(f"/admin/rule-sets/requirements/{portfolio.id}/edit").get_data(as_text=True)
    assert 'value="Portfolio"' in form
    response = admin_client.post(f"/admin/rule-sets/requirements/{portfolio.id}/edit", data={
        "label": "Portfolio and reflective essay", "clause": "6", "option": "a", "kind": "portfolio", "unit": "event",
        "minimum": "2"})
    assert response.status_code == 302
    assert db.session.get(Requirement, portfolio.id).minimum == 2
    assert admin_client.post(f"/admin/rule-sets/requirements/{portfolio.id}/delete").status_code == 302
    assert db.session.get(Requirement, portfolio.id) is None


def test_admin_copies_a_published_example_into_their_society(admin_client, society):
    response = admin_client.post("/admin/rule-sets/import", data={"name": "de"})
    assert response.status_code == 302
    rule_set = db.session.scalar(db.select(RuleSet).where(RuleSet.society_id == society.id))
    shipped = rulesets.shipped_rule_set("de")
    assert rule_set.code == "de-leiter" and len(rule_set.versions[0].requirements) == len(shipped["versions"][0]["requirements"])
    assert admin_client.post("/admin/rule-sets/import", data={"name": "../etc"}).status_code == 404


def test_rule_set_edits_need_the_csrf_token(csrf_app, admin):
    client = csrf_app.test_client()
    factories.log_in_with_csrf(client, admin.email)
    response = client.post("/admin/rule-sets/new", data={"code": "x", "credential_title": "y"})
    assert response.status_code == 400
