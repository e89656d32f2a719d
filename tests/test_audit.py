"""Every change to data leaves exactly one audit row, in the same transaction."""
import json

import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import AuditEvent
from society.services.platform import audit

from . import factories


def events_for(entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id).order_by(AuditEvent.id)))


def test_create_update_delete_each_write_one_event_with_old_and_new_values():
    token = audit.set_actor(audit.Actor(7, "editor@example.org", "10.0.0.1"))
    try:
        person = factories.person(given_name="Karin", family_name="Berg")
        db.session.commit()
        person.given_name = "Karin M."
        db.session.commit()
        db.session.delete(person)
        db.session.commit()
    finally:
        audit.reset_actor(token)
    created, updated, deleted = events_for("Person", person.id)
    assert (created.action, updated.action, deleted.action) == ("create", "update", "delete")
    assert json.loads(updated.changes) == {"given_name": ["Karin", "Karin M."]}
    assert json.loads(created.changes)["family_name"] == [None, "Berg"]
    assert updated.actor_label == "editor@example.org" and updated.actor_user_id == 7 and updated.ip == "10.0.0.1"


def test_a_rolled_back_change_leaves_no_audit_row():
    factories.person(given_name="Ghost")
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == 0


def test_secrets_never_reach_the_trail(admin):
    event = events_for("User", admin.id)[0]
    assert "password_hash" not in event.changes or '"***"' in event.changes
    assert admin.password_hash not in event.changes
    assert admin.session_token not in event.changes


def test_audit_rows_cannot_be_changed_or_deleted_through_the_application():
    factories.person()
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "tampered"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).first())
    with pytest.raises(PermissionError):
        db.session.flush()
