"""Retention by rule (issue 14): each society's settings, a daily job run once, a dry run that lists."""
import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select, text

from society.extensions import db
from society.models import (
    Accreditation, AuditEvent, Certificate, DuesPayment, Flag, ImportBatch, JobRun, PaymentImport, Person, RetainedRecord, Society,
)
from society.services.platform import job_runs
from society.services.privacy import erasure, retention

from . import factories

TODAY = date(2026, 12, 5)


def _old(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


@pytest.fixture
def aged(society):
    """Something past its time under every rule, and something just within it."""
    left = factories.member(society, joined_on=date(2010, 1, 1), ended_on=date(2020, 6, 30), end_reason="resigned",
                            given_name="Lotta", family_name="Left", email="lotta@example.org")
    recent = factories.member(society, joined_on=date(2010, 1, 1), ended_on=date(2024, 6, 30), end_reason="resigned")
    old_batch = ImportBatch(society_id=society.id, kind="members", filename="old.csv", created_at=_old(date(2026, 10, 1)))
    new_batch = ImportBatch(society_id=society.id, kind="members", filename="new.csv", created_at=_old(date(2026, 11, 20)))
    db.session.add_all([old_batch, new_batch])
    db.session.flush()
    for batch in (old_batch, new_batch):
        db.session.execute(text("INSERT INTO import_files (batch_id, content) VALUES (:b, 'email\nx@example.org')"),
                           {"b": batch.id})
    old_payments = PaymentImport(society_id=society.id, filename="bank-oct.csv", content="Lotta Left;450",
                                 created_at=_old(date(2026, 10, 1)))
    new_payments = PaymentImport(society_id=society.id, filename="bank-nov.csv", content="Nils New;450",
                                 created_at=_old(date(2026, 11, 20)))
    db.session.add_all([old_payments, new_payments])
    db.session.add_all([
        AuditEvent(action="login", actor_label="a@example.org", entity_type="User", society_id=society.id,
                   occurred_at=_old(date(2025, 6, 1))),
        AuditEvent(action="login_failed", actor_label="b@example.org", entity_type="User", society_id=None,
                   occurred_at=_old(date(2025, 6, 1))),
        AuditEvent(action="login", actor_label="c@example.org", entity_type="User", society_id=society.id,
                   occurred_at=_old(date(2026, 6, 1))),
    ])
    old_flag = factories.flag(society, resolved_on=date(2022, 1, 1), resolved_at=_old(date(2022, 1, 1)))
    factories.flag(society, resolved_on=date(2025, 1, 1), resolved_at=_old(date(2025, 1, 1)), subject_id=2)
    db.session.commit()
    return {"left": left.person_id, "recent": recent.person_id, "old_batch": old_batch.id, "new_batch": new_batch.id,
            "old_flag": old_flag.id, "old_payments": old_payments.id, "new_payments": new_payments.id}


def _counts(items) -> dict:
    return {item.rule: item.count for item in items if item.society_id is not None}


def test_a_dry_run_lists_what_each_rule_would_remove_and_changes_nothing(aged, society):
    items = retention.due(TODAY, society.id)
    assert _counts(items) == {"left_members": 1, "import_files": 1, "payment_files": 1, "login_events": 1,
                              "resolved_flags": 1, "kept_records": 0}
    listed = {item.rule: item.labels for item in items}
    assert "Lotta Left" in listed["left_members"][0] and "old.csv" in listed["import_files"][0]
    assert "bank-oct.csv" in listed["payment_files"][0]
    assert db.session.get(Person, aged["left"]).erased_at is None
    assert db.session.scalar(select(func.count()).select_from(text("import_files"))) == 2


def test_the_rules_follow_the_societys_settings(aged, society):
    society.retention_left_member_years = 10
    society.retention_import_days = 90
    society.retention_flag_years = 5
    db.session.commit()
    assert _counts(retention.due(TODAY, society.id)) == {
        "left_members": 0, "import_files": 0, "payment_files": 0, "login_events": 1, "resolved_flags": 0,
        "kept_records": 0}


def test_the_retention_job_removes_what_is_past_its_time_once_and_is_audited(aged, society):
    run = job_runs.run("retention", TODAY, trigger="schedule", run_key=TODAY.isoformat())
    assert run.outcome == "succeeded", run.error
    counts = json.loads(run.counts)
    assert counts["left_members"] == 1 and counts["import_files"] == 1 and counts["resolved_flags"] == 1
    assert counts["login_events"] == 2  # the society's, and the old one of no society
    assert db.session.get(Person, aged["left"]).erased_at is not None
    assert db.session.get(Person, aged["recent"]).erased_at is None
    files = db.session.execute(text("SELECT batch_id FROM import_files")).scalars().all()
    assert files == [aged["new_batch"]] and db.session.get(ImportBatch, aged["old_batch"]) is not None
    assert db.session.get(Flag, aged["old_flag"]) is None
    # A bank file's text goes (payers' names); the row, with its counts, stays.
    assert db.session.get(PaymentImport, aged["old_payments"]).content == ""
    assert db.session.get(PaymentImport, aged["new_payments"]).content == "Nils New;450"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.in_(("login", "login_failed")))) == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention",
                                                        AuditEvent.society_id == society.id)).one()
    assert json.loads(event.changes)["removed"] == 5
    assert job_runs.run("retention", TODAY, trigger="schedule", run_key=TODAY.isoformat()) is None  # once a day


def test_what_an_erasure_kept_is_removed_when_its_time_ends(society, client):
    person = factories.person(given_name="Kim", family_name="Kept")
    membership = factories.membership(person, society)
    factories.dues(membership, 2025, paid_on=date(2025, 3, 1))
    accreditation = factories.granted_accreditation(person, society)
    number = factories.grant(accreditation).number
    db.session.commit()
    erasure.erase(person, TODAY)
    db.session.commit()
    kept = {r.kind: r.keep_until for r in db.session.scalars(select(RetainedRecord))}
    assert kept["dues_payments"] == date(2032, 12, 31)
    assert _counts(retention.due(date(2032, 12, 31), society.id))["kept_records"] == 0
    assert _counts(retention.due(date(2033, 1, 1), society.id))["kept_records"] == 1
    later = [(r.kind, r.keep_until) for r in retention.kept_for_later(TODAY, society.id)]
    assert later == [("dues_payments", date(2032, 12, 31)), ("accreditation_decisions", date(2036, 12, 31))]
    retention.apply(date(2040, 1, 1))
    db.session.commit()
    assert db.session.scalar(select(func.count(DuesPayment.id))) == 0
    assert db.session.scalar(select(func.count(Accreditation.id))) == 0
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    assert all(r.removed_on == date(2040, 1, 1) for r in db.session.scalars(select(RetainedRecord)))
    assert client.get(f"/verify/{number}").status_code == 404


def test_the_cli_dry_run_lists_and_ends_with_a_json_summary(aged, runner):
    result = runner.invoke(args=["privacy", "retention", "--dry-run", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert any("left_members" in line and "Lotta Left" in line for line in lines)
    summary = json.loads(lines[-1])
    assert summary["dry_run"] is True and summary["left_members"] == 1 and summary["login_events"] == 2
    assert db.session.get(Person, aged["left"]).erased_at is None
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "retention_dry_run")) == 1


def test_the_jobs_page_shows_the_retention_job_and_its_dry_run(aged, admin_client):
    page = admin_client.get("/admin/jobs/").get_data(as_text=True)
    assert "Retention of personal data" in page and 'id="retention-dry-run"' in page
    dry = admin_client.get("/admin/privacy/retention")
    html = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "Lotta Left" in html and "old.csv" in html
    assert db.session.get(Person, aged["left"]).erased_at is None
    assert admin_client.post("/admin/jobs/retention/run", data={}).status_code == 302
    assert db.session.scalar(select(JobRun.outcome).where(JobRun.job == "retention")) == "succeeded"
    assert db.session.get(Person, aged["left"]).erased_at is not None


def test_the_settings_page_sets_the_retention_rules(admin_client, society):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'name="retention_login_days"' in page and 'value="365"' in page
    saved = admin_client.post("/admin/settings", data={"retention_login_days": "180", "retention_import_days": "14"})
    assert saved.status_code == 302
    society_ = db.session.get(Society, society.id)
    assert (society_.retention_login_days, society_.retention_import_days, society_.retention_flag_years) == (180, 14, 3)
    refused = admin_client.post("/admin/settings", data={"retention_login_days": "0"})
    assert refused.status_code == 422 and "retention_login_days" in refused.get_data(as_text=True)
    assert db.session.get(Society, society.id).retention_login_days == 180


def test_retention_pages_are_for_administrators(leader_client):
    assert leader_client.get("/admin/privacy/retention").status_code == 403
