"""The society-wide audit trail page, its filters, and the history macro."""
from datetime import datetime, timedelta, timezone

from society.extensions import db
from society.models import AuditEvent
from society.services.platform import audit

from . import factories


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


def test_history_macro_renders_a_list_of_events(app):
    from flask import render_template_string

    events = [AuditEvent(occurred_at=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc), actor_label="x@example.org",
                         action="update", entity_type="Group", entity_id=7, changes='{"name": ["Old", "New"]}')]
    with app.test_request_context():
        html = render_template_string('{% from "macros/history.html" import history %}{{ history(events) }}',
                                      events=events)
        empty = render_template_string('{% from "macros/history.html" import history %}{{ history([]) }}')
    assert "Jan 2, 2026 3:04 AM" in html and "Group #7" in html and "Old</span> &rarr; New" in html
    assert "No recorded changes." in empty
