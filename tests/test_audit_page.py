"""The society-wide audit trail page, its filters, and the history macro."""
from datetime import datetime, timedelta, timezone

from society.extensions import db
from society.models import AuditEvent
from society.services.platform import audit
from society.services.platform.audit_trail import readable

from . import factories
from .queries import counting_queries


def event_rows(response) -> list[str]:
    html = response.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row for row in html.split("<tr>")[1:]]


def test_audit_page_shows_this_societys_events_and_its_members_person_changes(admin_client, society):
    token = audit.set_actor(audit.Actor(1, "editor@example.org"))
    try:
        member = factories.member(society, given_name="Karin")
        db.session.commit()
        member.person.given_name = "Karin M."
        outsider = factories.member(factories.society(), given_name="Outsider")
        db.session.commit()
    finally:
        audit.reset_actor(token)
    html = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "Karin</span> &rarr; Karin M." in html
    assert "Outsider" not in html
    assert f"Person #{outsider.person_id}" not in html


def test_audit_filters(admin_client, society):
    now = datetime.now(timezone.utc)
    for label, action, entity, days_ago in [("a@example.org", "update", "Person", 0),
                                            ("b@example.org", "export", "Membership", 0),
                                            ("a@example.org", "create", "Membership", 10)]:
        event = audit.record(action, entity_type=entity, society_id=society.id, actor=audit.Actor(None, label),
                             details={"marker": f"{label}-{action}"})
        event.occurred_at = now - timedelta(days=days_ago)
    audit.record("export", entity_type="Membership", society_id=factories.society().id,
                 actor=audit.Actor(None, "a@example.org"), details={"marker": "elsewhere"})
    db.session.commit()

    def markers(query):
        response = admin_client.get("/admin/audit/" + query)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        return sorted(m for m in ("a@example.org-update", "b@example.org-export", "a@example.org-create", "elsewhere")
                      if m in html)

    assert markers("") == ["a@example.org-create", "a@example.org-update", "b@example.org-export"]
    assert markers("?entity_type=Membership") == ["a@example.org-create", "b@example.org-export"]
    assert markers("?action=export") == ["b@example.org-export"]
    assert markers("?actor=b@") == ["b@example.org-export"]
    day = (now - timedelta(days=10)).date().isoformat()
    assert markers(f"?date_from={day}&date_to={day}") == ["a@example.org-create"]
    assert markers(f"?date_from={now.date().isoformat()}") == ["a@example.org-update", "b@example.org-export"]
    # A range that ends before it starts is named and ignored.
    response = admin_client.get(f"/admin/audit/?date_from={now.date().isoformat()}&date_to={day}")
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_audit_page_is_paginated(app, admin_client, society):
    for n in range(5):
        audit.record("export", entity_type="Membership", society_id=society.id, details={"n": n})
    db.session.commit()
    app.config["PAGE_SIZE"] = 2
    try:
        html = admin_client.get("/admin/audit/?action=export&page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 50
    assert "Page 2 of 3" in html and "action=export" in html


def test_history_macro_renders_readable_events(app, society):
    from flask import render_template_string

    group = factories.group(society, name="Tuesday group")
    db.session.commit()
    events = [AuditEvent(id=1, occurred_at=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc), actor_label="x@example.org",
                         action="update", entity_type="Group", entity_id=group.id,
                         changes='{"name": ["Old", "New"], "accepting_members": [true, false]}')]
    with app.test_request_context():
        html = render_template_string('{% from "macros/history.html" import history %}{{ history(events) }}',
                                      events=readable(events))
        empty = render_template_string('{% from "macros/history.html" import history %}{{ history([]) }}')
    assert "Jan 2, 2026" in html and "Group changed" in html and "Tuesday group" in html  # one date style
    assert "Name</span>:" in html and "Old</span> &rarr; New" in html
    assert "Accepting members</span>:" in html and "yes</span> &rarr; no" in html
    assert "<summary" in html and "accepting_members" in html.split("<summary", 1)[1]  # the raw data, one click away
    assert "No recorded changes." in empty


def test_history_shows_labels_formatted_values_and_names_instead_of_ids(admin_client, admin, society):
    person = factories.member_person(society, given_name="Greta", family_name="Garbo")
    admin.person = factories.person(given_name="Astrid", family_name="Admin")
    group = factories.group(society, name="Thursday group")
    db.session.commit()
    token = audit.set_actor(audit.Actor(admin.id, admin.email))
    try:
        record = factories.training_record(person, group_id=group.id, in_person=True, occurred_on=datetime(2026, 3, 4).date(),
                                           decided_by_id=admin.id)
        db.session.commit()
    finally:
        audit.reset_actor(token)
    html = admin_client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    assert "Training record added" in history
    assert "Astrid Admin" in history  # the actor by name, not by e-mail
    assert "Person</span>:" in history and "Greta Garbo" in history  # person_id -> the person's name
    assert "Group</span>:" in history and "Thursday group" in history
    assert "Decided by</span>:" in history
    assert "In person</span>:" in history and "&rarr; yes" in history
    assert "Mar 4, 2026" in history  # a date in the reader's locale
    readable_part = history.split("<details", 1)[0]
    assert "person_id" not in readable_part and "in_person" not in readable_part  # raw names only behind the toggle
    assert f"&rarr; {person.id}<" not in readable_part


def test_names_are_looked_up_in_one_query_whatever_the_number_of_events(app, society):
    people = [factories.person(given_name=f"P{n}") for n in range(6)]
    group = factories.group(society, name="Counted")
    db.session.commit()
    events = [AuditEvent(id=n, occurred_at=datetime(2026, 1, 2, tzinfo=timezone.utc), actor_user_id=None,
                         actor_label="system", action="create", entity_type="GroupParticipant", entity_id=n,
                         changes=f'{{"group_id": [null, {group.id}], "person_id": [null, {person.id}]}}')
              for n, person in enumerate(people, 1)]
    with app.test_request_context(), counting_queries(selects_only=True) as statements:
        shown = readable(events)
    assert len(statements) == 1
    assert [change.new for change in shown[0].changes] == ["Counted", "P0 " + people[0].family_name]


def test_a_log_in_is_attributed_to_the_user_not_to_anonymous(app, admin, society):
    admin.person = factories.person(given_name="Astrid", family_name="Admin")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, admin.email)
    update = db.session.scalar(db.select(AuditEvent).where(AuditEvent.entity_type == "User", AuditEvent.action == "update",
                                                            AuditEvent.changes.contains("last_login_at")))
    assert update.actor_user_id == admin.id and update.actor_label == admin.email
    rows = [row for row in event_rows(client.get("/admin/audit/?entity_type=User&action=update")) if "Last log-in" in row]
    assert len(rows) == 1
    assert "Astrid Admin" in rows[0] and "Anonymous" not in rows[0]


def test_a_log_in_recorded_as_anonymous_before_reads_as_the_user(app, admin, society):
    event = AuditEvent(id=1, occurred_at=datetime(2026, 1, 2, tzinfo=timezone.utc), actor_label="anonymous",
                       action="update", entity_type="User", entity_id=admin.id,
                       changes='{"last_login_at": [null, "2026-01-02T08:00:00+00:00"]}')
    with app.test_request_context():
        (shown,) = readable([event])
    assert shown.actor == admin.email


def test_secrets_are_never_shown(app, admin, society):
    from flask import render_template_string

    admin.session_token = "rotated-for-the-test"
    admin.password_hash = factories.password_hash()
    admin.is_enabled = False
    db.session.commit()
    events = audit.history_of("User", admin.id)
    with app.test_request_context():
        html = render_template_string('{% from "macros/history.html" import history %}{{ history(events) }}',
                                      events=readable(events))
    readable_part = "".join(part.split("</details>")[-1] for part in html.split("<details"))
    assert "Account enabled</span>:" in readable_part
    assert "***" not in readable_part and "Session token" not in readable_part and "Password hash" not in readable_part
    assert "rotated-for-the-test" not in html


def test_the_history_reads_in_swedish(admin_client, society):
    with admin_client.session_transaction() as session:
        session["lang"] = "sv"
    token = audit.set_actor(audit.Actor(None, "system"))
    try:
        member = factories.member(society, given_name="Karin")
        db.session.commit()
        member.person.given_name = "Karin M."
        member.person.psychodynamically_trained = True
        member.person.psychotherapy_qualified_on = datetime(2026, 3, 4).date()
        db.session.commit()
    finally:
        audit.reset_actor(token)
    html = admin_client.get(f"/admin/members/{member.person_id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    assert "Förnamn</span>:" in history and "Karin</span> &rarr; Karin M." in history
    assert "Psykodynamiskt utbildad</span>:" in history and "&rarr; ja" in history
    assert "Person ändrad" in history and "System" in history
    assert "4 mars 2026" in history  # the date as a Swedish reader writes it


def test_every_record_type_and_every_field_an_administrator_edits_reads_in_words(app):
    from society.extensions import db as database
    from society.models import (DuesPayment, Group, Membership, Person, SessionException, Society,
                                WebhookSubscription)
    from society.presentation import audit as catalogue
    from society.services.platform.audit import SECRET_COLUMNS

    unnamed = [m.class_.__name__ for m in database.Model.registry.mappers
               if m.class_.__name__ not in catalogue.ENTITY_LABELS]
    assert unnamed == [], f"give these record types a label in presentation/audit.py: {unnamed}"
    bookkeeping = {"id", "created_at", "updated_at"} | SECRET_COLUMNS
    raw = [f"{model.__name__}.{column.key}"
           for model in (Person, Membership, Group, Society, DuesPayment, SessionException, WebhookSubscription)
           for column in model.__mapper__.columns if column.key not in bookkeeping | set(catalogue.FIELD_LABELS)]
    assert raw == [], f"the history would show these raw field names: {raw}"
