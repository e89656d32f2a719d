"""The lapse scan: each kind of flag is raised once per cause, resolved when the cause goes away,
and kept as history; a repeat scan changes nothing; nothing is half-written when a run fails."""
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from society.extensions import db
from society.models import Accreditation, Flag, JobRun
from society.services.platform import job_runs
from society.services.flags import lapse

from . import demo_data, factories

DAY = date(2026, 6, 1)


@pytest.fixture
def world(society):
    """A society with a five-year credential (reminders at 90/60/30 days, trainee pace 8 and 15 a year)."""
    rule_set = factories.rule_set(society)
    version = factories.rule_set_version(rule_set, validity_months=60, warning_days="90,60,30",
                                         pace_supervision_per_year=Decimal(8), pace_leading_per_year=Decimal(15))
    return society, version


def leader(group, version, *, expires_on=None, granted_on=date(2022, 1, 1), trainee=False, role="leader",
           member=True, status=None, starts_on=date(2024, 1, 1), ends_on=None, **accreditation):
    person = factories.person()
    if member:
        factories.membership(person, group.society)
    if trainee:
        acc = factories.accreditation(person, version, **{"status": "in_training",
                                                          "training_started_on": date(2025, 1, 1), **accreditation})
    else:
        acc = factories.accreditation(person, version, status=status or "granted", granted_on=granted_on,
                                      expires_on=expires_on, **accreditation)
    factories.group_leader(group, person, role=role, is_trainee=trainee, starts_on=starts_on, ends_on=ends_on)
    return person, acc


def group_of(society, size=6, **kw):
    group = factories.group(society, **kw)
    for _ in range(size):
        factories.participant(group, factories.person())
    return group


def scan(day=DAY, **kw):
    summary = lapse.scan(day, **kw)
    db.session.commit()
    return summary


def flags(kind=None, *, open_only=True):
    query = select(Flag).order_by(Flag.id)
    if kind:
        query = query.where(Flag.kind == kind)
    if open_only:
        query = query.where(Flag.resolved_at.is_(None))
    return list(db.session.scalars(query))


# -- accreditations ----------------------------------------------------------------------------

def test_an_expiring_accreditation_is_flagged_at_the_tightest_lead_time_reached(world):
    society, version = world
    group = group_of(society)
    _person, acc = leader(group, version, expires_on=DAY + timedelta(days=85))
    leader(group, version, role="co_leader")  # keeps the group accredited

    scan()
    (flag,) = flags("accreditation_expiring")
    assert (flag.subject_type, flag.subject_id, flag.cause, flag.due_on) == ("accreditation", acc.id, "90d", acc.expires_on)

    scan(DAY + timedelta(days=30))  # 55 days left: the 60-day warning replaces the 90-day one
    (flag,) = flags("accreditation_expiring")
    assert flag.cause == "60d"
    (old,) = [f for f in flags("accreditation_expiring", open_only=False) if f.cause == "90d"]
    assert old.resolved_on == DAY + timedelta(days=30)


def test_an_accreditation_far_from_expiry_or_without_expiry_is_not_flagged(world):
    society, version = world
    group = group_of(society)
    leader(group, version, expires_on=DAY + timedelta(days=91))
    leader(group, version, role="co_leader", expires_on=None)
    assert scan().raised == 0


def test_an_expired_accreditation_is_flagged_until_renewed_and_kept_as_history(world):
    society, version = world
    group = group_of(society)
    _person, acc = leader(group, version, expires_on=DAY - timedelta(days=10))
    leader(group, version, role="co_leader")

    scan()
    (flag,) = flags("accreditation_expired")
    assert flag.subject_id == acc.id and flag.severity == "critical"

    acc.expires_on = DAY + timedelta(days=5 * 365)  # renewed
    summary = scan(DAY + timedelta(days=1))
    assert summary.resolved == 1 and flags("accreditation_expired") == []
    (history,) = flags("accreditation_expired", open_only=False)
    assert history.resolved_on == DAY + timedelta(days=1) and history.raised_on == DAY


def test_an_expiry_superseded_by_a_newer_accreditation_is_not_flagged(world):
    society, version = world
    group = group_of(society)
    person, _old = leader(group, version, expires_on=DAY - timedelta(days=400), granted_on=date(2016, 1, 1))
    factories.accreditation(person, version, status="granted", granted_on=DAY - timedelta(days=400),
                            expires_on=DAY + timedelta(days=1500))
    scan()
    assert flags("accreditation_expired") == []


def test_a_suspended_accreditation_is_not_reported_as_expired(world):
    society, version = world
    group = group_of(society)
    leader(group, version, status="suspended", expires_on=DAY - timedelta(days=3), invalid_from=DAY - timedelta(days=60))
    scan()
    assert flags("accreditation_expired") == []
    assert len(flags("group_unaccredited")) == 1


def test_the_scan_never_changes_an_accreditation(world):
    society, version = world
    group = group_of(society)
    _p, acc = leader(group, version, expires_on=DAY - timedelta(days=10))
    db.session.commit()
    scan(DAY + timedelta(days=3000))
    db.session.refresh(acc)
    assert (acc.status, acc.expires_on) == ("granted", DAY - timedelta(days=10))


# -- membership and dues -------------------------------------------------------------------------

def test_a_serving_leader_whose_membership_ended_is_flagged_until_they_stop_leading(world):
    society, version = world
    group = group_of(society)
    person = factories.person()
    membership = factories.membership(person, society, ended_on=DAY - timedelta(days=1), end_reason="lapsed")
    factories.accreditation(person, version, status="granted", granted_on=date(2022, 1, 1))
    assignment = factories.group_leader(group, person)

    scan()
    (flag,) = flags("membership_lapsed")
    assert (flag.subject_type, flag.subject_id, flag.cause) == ("membership", membership.id, "ended")

    assignment.ends_on = DAY + timedelta(days=2)
    scan(DAY + timedelta(days=3))
    assert flags("membership_lapsed") == []


def test_a_serving_leader_who_is_not_a_member_is_flagged(world):
    society, version = world
    group = group_of(society)
    person, _acc = leader(group, version, member=False)
    scan()
    (flag,) = flags("membership_lapsed")
    assert (flag.subject_type, flag.subject_id) == ("person", person.id)

    factories.membership(person, society, joined_on=DAY)
    scan(DAY + timedelta(days=1))
    assert flags("membership_lapsed") == []


def test_unpaid_dues_are_flagged_only_beyond_the_grace_period_and_resolved_when_paid(world):
    society, version = world
    society.dues_grace_days = 90
    group = group_of(society)
    person, _acc = leader(group, version)
    membership = person.memberships[0]
    dues = factories.dues(membership, 2026)  # due 31 January 2026, unpaid
    factories.dues(membership, 2025, paid_on=date(2025, 1, 20))

    assert scan(date(2026, 5, 1)).raised == 0  # 90 days after the due date: still in grace
    scan(date(2026, 5, 2))
    (flag,) = flags("dues_lapsed")
    assert (flag.subject_type, flag.subject_id, flag.cause) == ("membership", membership.id, "dues:2026")

    dues.paid_on = date(2026, 5, 10)
    scan(date(2026, 5, 11))
    assert flags("dues_lapsed") == []


def test_unpaid_dues_of_someone_who_leads_no_group_are_not_flagged(world):
    society, _version = world
    person = factories.person()
    factories.dues(factories.membership(person, society), 2025)
    assert scan().raised == 0


# -- trainees ----------------------------------------------------------------------------------

def test_a_trainee_behind_the_supervision_pace_is_flagged_and_resolved_when_records_are_approved(world):
    society, version = world
    group = group_of(society)
    leader(group, version)
    trainee, acc = leader(group, version, trainee=True, role="co_leader")  # started 1 January 2025
    factories.training_record(trainee, kind="supervision", unit="hour", units=Decimal(5), occurred_on=date(2025, 6, 1))
    factories.training_record(trainee, kind="co_leading", units=Decimal(20), occurred_on=date(2025, 9, 1))
    pending = factories.training_record(trainee, kind="supervision", unit="hour", units=Decimal(4),
                                        occurred_on=date(2025, 10, 1), status="pending")

    scan()  # one whole year of training: 8 supervision units expected, 5 approved; leading 20 >= 15
    (flag,) = flags("trainee_behind_pace")
    assert (flag.subject_id, flag.cause) == (acc.id, "supervision")
    assert json.loads(flag.details)["expected"] == 8

    pending.status = "approved"
    scan(DAY + timedelta(days=1))
    assert flags("trainee_behind_pace") == []


def test_a_trainee_in_the_first_year_is_not_yet_behind(world):
    society, version = world
    group = group_of(society)
    leader(group, version)
    leader(group, version, trainee=True, role="co_leader", training_started_on=DAY - timedelta(days=200))
    scan()
    assert flags("trainee_behind_pace") == []


def test_a_trainee_leading_with_no_accredited_co_leader_flags_the_group(world):
    society, version = world
    group = group_of(society)
    trainee, _acc = leader(group, version, trainee=True)
    scan()
    (flag,) = flags("trainee_unsupervised")
    assert (flag.subject_type, flag.subject_id, flag.cause) == ("group", group.id, f"trainee:{trainee.id}")

    leader(group, version, role="co_leader", starts_on=DAY)
    scan(DAY + timedelta(days=1))
    assert flags("trainee_unsupervised") == []


# -- groups ------------------------------------------------------------------------------------

def test_a_group_losing_its_only_accredited_leader_is_flagged_with_the_day_and_then_unaccredited(world):
    society, version = world
    group = group_of(society)
    leader(group, version, expires_on=DAY + timedelta(days=40))
    leader(group, version, trainee=True, role="co_leader")

    scan()
    (flag,) = flags("group_losing_accreditation")
    assert flag.subject_id == group.id and flag.due_on == DAY + timedelta(days=41)
    assert flags("group_unaccredited") == [] and flags("trainee_unsupervised") == []

    scan(DAY + timedelta(days=41))
    assert flags("group_losing_accreditation") == []
    assert [f.subject_id for f in flags("group_unaccredited")] == [group.id]
    assert len(flags("trainee_unsupervised")) == 1


def test_a_group_is_not_losing_while_another_accredited_leader_stays(world):
    society, version = world
    group = group_of(society)
    leader(group, version, expires_on=DAY + timedelta(days=40))
    leader(group, version, role="co_leader", expires_on=DAY + timedelta(days=2000))
    scan()
    assert flags("group_losing_accreditation") == []


def test_a_leader_leaving_the_group_counts_as_losing_the_accredited_leader(world):
    society, version = world
    group = group_of(society)
    leader(group, version, ends_on=DAY + timedelta(days=20))
    leader(group, version, trainee=True, role="co_leader")
    scan()
    (flag,) = flags("group_losing_accreditation")
    assert flag.due_on == DAY + timedelta(days=21)


def test_a_group_beyond_the_horizon_is_not_yet_flagged(world):
    society, version = world
    group = group_of(society)
    leader(group, version, expires_on=DAY + timedelta(days=120))
    scan()
    assert flags("group_losing_accreditation") == []


def test_closed_groups_are_not_flagged(world):
    society, version = world
    group = group_of(society, size=1, status="closed")
    leader(group, version, trainee=True, member=False)
    scan()
    assert [f.kind for f in flags() if f.subject_type in ("group", "person", "membership")] == []


def test_group_norms_are_a_soft_warning_per_broken_norm(world):
    society, version = world
    society.group_min_size, society.group_max_size, society.group_max_leaders = 4, 12, 2
    group = group_of(society, size=2)
    for role in ("leader", "co_leader", "co_leader"):
        leader(group, version, role=role)

    scan()
    norms = flags("group_norms")
    assert sorted(f.cause for f in norms) == ["too_few_participants", "too_many_leaders"]
    assert {f.severity for f in norms} == {"warning"}  # soft: a warning, never a refusal
    assert "2 participants, fewer than the society's minimum of 4." in {f.message for f in norms}

    for _ in range(3):
        factories.participant(group, factories.person(), starts_on=DAY)
    scan(DAY + timedelta(days=1))
    assert [f.cause for f in flags("group_norms")] == ["too_many_leaders"]


# -- the scan as a whole -------------------------------------------------------------------------

def test_a_repeat_scan_for_the_same_date_changes_nothing(world):
    society, version = world
    group = group_of(society, size=2)
    leader(group, version, expires_on=DAY - timedelta(days=1))
    leader(group, version, trainee=True, role="co_leader")
    first = scan()
    before = [(f.id, f.cause, f.resolved_at) for f in flags(open_only=False)]
    second = scan()
    assert first.raised > 0
    assert (second.raised, second.resolved, second.open) == (0, 0, first.open)
    assert [(f.id, f.cause, f.resolved_at) for f in flags(open_only=False)] == before


def test_a_cause_that_returns_raises_a_new_flag_and_keeps_the_old_one(world):
    society, version = world
    group = group_of(society, size=2)
    leader(group, version)
    scan()
    participants = [factories.participant(group, factories.person(), starts_on=DAY) for _ in range(3)]
    scan(DAY + timedelta(days=1))
    for participant in participants:
        participant.ends_on = DAY + timedelta(days=5)
    scan(DAY + timedelta(days=6))
    history = flags("group_norms", open_only=False)
    assert [(f.raised_on, f.resolved_on) for f in history] == [
        (DAY, DAY + timedelta(days=1)), (DAY + timedelta(days=6), None)]


def test_a_scan_for_one_society_leaves_the_others_alone(world):
    society, version = world
    other = factories.society()
    mine, theirs = group_of(society, size=1), group_of(other, size=1)
    leader(mine, version)
    leader(theirs, version)
    scan(society_id=other.id)
    assert {f.society_id for f in flags()} == {other.id}
    scan(society_id=society.id)
    assert {f.society_id for f in flags()} == {society.id, other.id}


def test_demo_data_raises_the_expected_flags_more_years_ahead_and_none_on_repeat():
    today = date(2026, 11, 23)
    demo_data.seed(40, today=today)
    db.session.commit()

    first = scan(today)
    kinds = {kind for kind, counts in first.by_kind.items() if counts["open"]}
    assert {"accreditation_expiring", "accreditation_expired", "dues_lapsed", "trainee_behind_pace",
            "group_unaccredited", "group_norms"} <= kinds
    expiring = flags("accreditation_expiring")
    assert expiring and all(0 <= (f.due_on - today).days <= 90 for f in expiring)

    assert (scan(today).raised, scan(today).resolved) == (0, 0)

    ahead = scan(today + timedelta(days=6 * 365))
    assert ahead.raised > first.raised / 2 and ahead.open > first.open
    assert ahead.by_kind["accreditation_expired"]["open"] > first.by_kind["accreditation_expired"]["open"]
    assert scan(today + timedelta(days=6 * 365)).raised == 0


# -- runs: once, recorded, and all or nothing ------------------------------------------------------

def test_a_run_records_its_counts_and_a_failed_run_leaves_no_flag_behind(world, monkeypatch):
    society, version = world
    group = group_of(society, size=2)
    leader(group, version, trainee=True)
    db.session.commit()

    def crash(*_args, **_kwargs):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(lapse, "_resolve", crash)  # after the new flags were inserted
    failed = job_runs.run("lapse-scan", DAY, trigger="schedule", run_key=DAY.isoformat())
    assert failed.outcome == "failed" and "the disk caught fire" in failed.error and failed.finished_at
    assert db.session.scalar(select(func.count(Flag.id))) == 0

    monkeypatch.undo()
    rerun = job_runs.run("lapse-scan", DAY, trigger="cli")
    assert rerun.outcome == "succeeded"
    counts = json.loads(rerun.counts)
    assert counts["raised"] == db.session.scalar(select(func.count(Flag.id))) > 0
    assert {f.job_run_id for f in flags()} == {rerun.id}


def test_a_scheduled_run_key_is_claimed_once(world):
    first = job_runs.run("lapse-scan", DAY, trigger="schedule", run_key=DAY.isoformat())
    second = job_runs.run("lapse-scan", DAY, trigger="schedule", run_key=DAY.isoformat())
    assert first.outcome == "succeeded" and second is None
    assert db.session.scalar(select(func.count(JobRun.id))) == 1


def test_a_run_left_running_by_a_dead_process_is_marked_abandoned(app, monkeypatch):
    from datetime import datetime, timezone

    stale = factories.job_run(outcome="running", started_at=datetime.now(timezone.utc) - timedelta(hours=5))
    db.session.commit()
    job_runs.run("lapse-scan", DAY, trigger="cli")
    db.session.refresh(stale)
    assert stale.outcome == "failed" and "Abandoned" in stale.error


def test_the_command_runs_one_scan_and_prints_a_json_summary_last(world, runner):
    society, version = world
    group = group_of(society, size=2)
    leader(group, version)
    db.session.commit()
    result = runner.invoke(args=["jobs", "run", "lapse-scan", "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["raised"], summary["resolved"], summary["open"]) == (1, 0, 1)
    assert summary["day"] == "2026-06-01" and summary["outcome"] == "succeeded"
    again = json.loads(runner.invoke(args=["jobs", "run", "lapse-scan", "--today", "2026-06-01"]).output.splitlines()[-1])
    assert (again["raised"], again["resolved"], again["open"]) == (0, 0, 1)


def test_the_command_refuses_a_bad_date(runner):
    result = runner.invoke(args=["jobs", "run", "lapse-scan", "--today", "1 June"])
    assert result.exit_code != 0 and "Invalid value" in result.output


def test_lead_days_ignore_what_is_not_a_positive_number():
    assert lapse.lead_days("90, 60,30") == [90, 60, 30]
    assert lapse.lead_days("30,x,,-5,0,30") == [30]
    assert lapse.lead_days(None) == []


def test_an_accreditation_on_a_rule_set_without_warnings_is_not_flagged_as_expiring(world):
    society, _version = world
    quiet = factories.rule_set_version(factories.rule_set(society), validity_months=60, warning_days="")
    group = group_of(society)
    person = factories.person()
    factories.membership(person, society)
    factories.accreditation(person, quiet, status="granted", granted_on=date(2022, 1, 1), expires_on=DAY + timedelta(days=5))
    factories.group_leader(group, person)
    scan()
    assert flags("accreditation_expiring") == []
    assert db.session.scalar(select(func.count(Accreditation.id))) == 1
