"""A group's accredited state is derived from its leaders on the day asked, between scans too."""
from datetime import date, timedelta

from sqlalchemy import select

from society.extensions import db
from society.models import Group
from society.services.group_standing import accredited_group, group_accredited_on

from . import factories

DAY = date(2026, 6, 1)


def group_led_by(society, version, **accreditation):
    group = factories.group(society)
    person = factories.person()
    factories.accreditation(person, version, **{"status": "granted", "granted_on": date(2022, 1, 1), **accreditation})
    factories.group_leader(group, person)
    return group


def test_a_group_is_accredited_while_one_of_its_leaders_is(society):
    version = factories.rule_set_version(factories.rule_set(society), validity_months=60)
    lapsing = group_led_by(society, version, expires_on=DAY + timedelta(days=1))
    forever = group_led_by(society, version, expires_on=None)
    suspended = group_led_by(society, version, status="suspended", invalid_from=DAY - timedelta(days=1))
    training = group_led_by(society, version, status="in_training", granted_on=None)
    leaderless = factories.group(society)

    ids = [lapsing.id, forever.id, suspended.id, training.id, leaderless.id]
    assert group_accredited_on(ids, DAY) == {
        lapsing.id: True, forever.id: True, suspended.id: False, training.id: False, leaderless.id: False}
    # The day after the expiry, without any scan in between:
    assert group_accredited_on(ids, DAY + timedelta(days=2))[lapsing.id] is False


def test_a_leader_who_left_the_group_no_longer_counts(society):
    version = factories.rule_set_version(factories.rule_set(society))
    group = factories.group(society)
    person = factories.person()
    factories.accreditation(person, version, status="granted", granted_on=date(2022, 1, 1))
    factories.group_leader(group, person, ends_on=DAY - timedelta(days=1))
    assert group_accredited_on([group.id], DAY) == {group.id: False}
    assert group_accredited_on([group.id], DAY - timedelta(days=1)) == {group.id: True}


def test_the_condition_filters_a_directory_query(society):
    version = factories.rule_set_version(factories.rule_set(society))
    accredited = group_led_by(society, version)
    factories.group(society)
    db.session.commit()
    assert db.session.scalars(select(Group.id).where(accredited_group(DAY))).all() == [accredited.id]


def test_many_groups_are_answered_in_chunks(society):
    assert group_accredited_on(range(1, 12001), DAY) == dict.fromkeys(range(1, 12001), False)
