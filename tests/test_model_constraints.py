"""What the database itself refuses, whatever the Python code does."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from society.extensions import db
from society.models import DuesPayment, Group, Membership, TrainingRecord, User

from . import factories


def refused(statement: str, params: dict | None = None) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement), params or {})
        db.session.flush()
    db.session.rollback()


def test_group_without_a_society_is_refused_by_the_database():
    refused("INSERT INTO groups (society_id, name, country, format, language, rhythm, session_minutes, "
            "accepting_members, status, version_id) VALUES (NULL, 'Orphan', 'SE', 'online', 'sv', 'weekly', 90, "
            "false, 'active', 1)")


def test_group_pointing_at_a_missing_society_is_refused():
    refused("INSERT INTO groups (society_id, name, country, format, language, rhythm, session_minutes, "
            "accepting_members, status, version_id) VALUES (999999, 'Ghost', 'SE', 'online', 'sv', 'weekly', 90, "
            "false, 'active', 1)")


def test_negative_minutes_on_a_training_record_are_refused():
    person = factories.person()
    db.session.commit()
    refused("INSERT INTO training_records (person_id, kind, occurred_on, unit, units, minutes, in_person, "
            "with_accredited_leader, source, status) VALUES (:p, 'leading', '2025-01-01', 'session', 1, -90, "
            "true, false, 'self', 'pending')", {"p": person.id})


def test_duplicate_membership_in_one_society_is_refused():
    society = factories.society()
    person = factories.person()
    factories.membership(person, society)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(Membership(person_id=person.id, society_id=society.id, category="full", joined_on=date(2021, 1, 1)))
        db.session.flush()


def test_unknown_category_is_refused_by_a_check_constraint():
    society = factories.society()
    person = factories.person()
    db.session.commit()
    refused("INSERT INTO memberships (person_id, society_id, category, joined_on, version_id) "
            "VALUES (:p, :s, 'platinum', '2020-01-01', 1)", {"p": person.id, "s": society.id})


@pytest.mark.parametrize("minutes", [0, -30, 601])
def test_session_length_outside_1_to_600_minutes_is_refused(minutes):
    society = factories.society()
    db.session.commit()
    with pytest.raises((IntegrityError, StatementError)):
        db.session.add(Group(society_id=society.id, name="Odd", country="SE", format="online", language="sv",
                             rhythm="weekly", session_minutes=minutes))
        db.session.flush()


def test_membership_ending_before_it_began_is_refused():
    society = factories.society()
    person = factories.person()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(Membership(person_id=person.id, society_id=society.id, category="full",
                                  joined_on=date(2022, 1, 1), ended_on=date(2021, 1, 1), end_reason="resigned"))
        db.session.flush()


def test_negative_dues_and_duplicate_periods_are_refused():
    membership = factories.membership(factories.person(), factories.society())
    factories.dues(membership, 2025)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(DuesPayment(membership_id=membership.id, period=2025, amount=Decimal(1), due_on=date(2025, 1, 31)))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.add(DuesPayment(membership_id=membership.id, period=2026, amount=Decimal(-5), due_on=date(2026, 1, 31)))
        db.session.flush()


def test_rejected_record_needs_a_reason():
    person = factories.person()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(TrainingRecord(person_id=person.id, kind="leading", occurred_on=date(2025, 1, 1),
                                      status="rejected", minutes=90))
        db.session.flush()


def test_attendance_produces_a_record_once_per_session_and_kind():
    society = factories.society()
    group = factories.group(society)
    person = factories.person()
    from society.models import GroupSession

    session = GroupSession(group=group, held_on=date(2025, 2, 1), minutes=90)
    db.session.add(session)
    db.session.flush()
    factories.training_record(person, session_id=session.id, kind="participation", source="attendance")
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.training_record(person, session_id=session.id, kind="participation", source="attendance")


def test_an_administrator_must_belong_to_a_society():
    with pytest.raises(IntegrityError):
        db.session.add(User(email="nobody@example.org", password_hash="x", role="admin", society_id=None))
        db.session.flush()


def test_only_one_open_flag_per_cause():
    society = factories.society()
    db.session.commit()
    insert = ("INSERT INTO flags (society_id, kind, subject_type, subject_id, cause, severity, message, raised_on, raised_at) "
              "VALUES (:s, 'group_norms', 'group', 1, 'size', 'info', 'Too big', '2026-01-01', '2026-01-01 00:00:00')")
    db.session.execute(text(insert), {"s": society.id})
    db.session.commit()
    refused(insert, {"s": society.id})


def test_accreditation_validity_follows_grant_expiry_and_suspension():

    from society.services.accreditation.standing import accredited_on, accredited_people_on

    society = factories.society()
    version = factories.rule_set_version(factories.rule_set(society), validity_months=60)
    alice, bob = factories.person(), factories.person()
    granted = factories.accreditation(alice, version, status="granted", granted_on=date(2021, 1, 1),
                                      expires_on=date(2026, 1, 1))
    factories.accreditation(bob, version, status="suspended", granted_on=date(2022, 1, 1),
                            invalid_from=date(2024, 6, 1))
    db.session.commit()
    assert accredited_on(alice.id, date(2025, 12, 31)) and not accredited_on(alice.id, date(2026, 1, 2))
    assert not accredited_on(alice.id, date(2020, 12, 31))
    assert accredited_on(bob.id, date(2024, 5, 31)) and not accredited_on(bob.id, date(2024, 6, 1))
    assert accredited_people_on([alice.id, bob.id], date(2023, 1, 1)) == {alice.id, bob.id}
    assert accredited_people_on([alice.id, bob.id], date(2025, 1, 1)) == {alice.id}
    assert granted.is_valid_on(date(2025, 1, 1)) and not granted.is_valid_on(date(2026, 1, 2))
