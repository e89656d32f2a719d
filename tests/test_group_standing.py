"""A group's accredited state is derived from its leaders on the day asked, between scans too,
and the lapse scan and the public directory apply the same rule."""
from datetime import date, timedelta

from sqlalchemy import select

from society.extensions import db
from society.models import Flag, Group
from society.services.groups import directory
from society.services.flags import lapse
from society.services.groups.standing import accredited_group

from . import factories

DAY = date(2026, 6, 1)


def accredited_among(groups, day: date) -> set[int]:
    ids = [g.id for g in groups]
    return set(db.session.scalars(select(Group.id).where(Group.id.in_(ids), accredited_group(day))))


def group_led_by(society, version, *, trainee: bool = False, **accreditation):
    group = factories.group(society)
    person = factories.person()
    factories.accreditation(person, version, **{"status": "granted", "granted_on": date(2022, 1, 1), **accreditation})
    factories.group_leader(group, person, is_trainee=trainee)
    return group


def test_a_group_is_accredited_while_one_of_its_leaders_is(society):
    version = factories.rule_set_version(factories.rule_set(society), validity_months=60)
    lapsing = group_led_by(society, version, expires_on=DAY + timedelta(days=1))
    forever = group_led_by(society, version, expires_on=None)
    suspended = group_led_by(society, version, status="suspended", invalid_from=DAY - timedelta(days=1))
    training = group_led_by(society, version, status="in_training", granted_on=None)
    leaderless = factories.group(society)

    groups = [lapsing, forever, suspended, training, leaderless]
    assert accredited_among(groups, DAY) == {lapsing.id, forever.id}
    # The day after the expiry, without any scan in between:
    assert accredited_among(groups, DAY + timedelta(days=2)) == {forever.id}


def test_a_leader_who_left_the_group_no_longer_counts(society):
    version = factories.rule_set_version(factories.rule_set(society))
    group = factories.group(society)
    person = factories.person()
    factories.accreditation(person, version, status="granted", granted_on=date(2022, 1, 1))
    factories.group_leader(group, person, ends_on=DAY - timedelta(days=1))
    assert accredited_among([group], DAY) == set()
    assert accredited_among([group], DAY - timedelta(days=1)) == {group.id}


def test_a_leader_serving_as_a_trainee_does_not_make_the_group_accredited(society):
    version = factories.rule_set_version(factories.rule_set(society))
    trainee_led = group_led_by(society, version, trainee=True)
    assert accredited_among([trainee_led], DAY) == set()


def test_the_scan_flags_exactly_the_groups_the_directory_shows_as_not_accredited(society):
    version = factories.rule_set_version(factories.rule_set(society), validity_months=60)
    groups = [group_led_by(society, version), group_led_by(society, version, trainee=True),
              group_led_by(society, version, status="suspended", invalid_from=DAY - timedelta(days=1)),
              factories.group(society)]
    db.session.commit()
    lapse.scan(DAY)
    db.session.commit()
    flagged = set(db.session.scalars(select(Flag.subject_id).where(Flag.kind == "group_unaccredited",
                                                                   Flag.resolved_at.is_(None))))
    listed, _total = directory.find_groups({"status": ["active"]}, DAY, page=1, per_page=100)
    shown_unaccredited = {g["id"] for g in listed if not g["accredited"]}
    assert flagged == shown_unaccredited == {g.id for g in groups[1:]}
