"""Retention by rule: each society's settings say how long personal data stays.

Rules (columns ``societies.retention_*``), applied by the daily ``retention`` job (exactly once a
day through ``job_runs``) or by hand, with a dry run that only lists:

- ``left_members``: people whose every membership ended more than N years ago are erased
  (``erasure.erase``: what the law keeps is kept);
- ``import_files``: an import's file text, staged rows and row errors, N days after upload;
- ``payment_files``: a bank payment file's text (payers' names), N days after upload (the same setting);
- ``login_events``: log-in, log-out and failed log-in events older than N days (events of logins
  without a society, such as leaders', by the shortest period of all societies, in the daily run);
- ``resolved_flags``: flags resolved more than N years ago;
- ``kept_records``: what an erasure kept (dues, accreditation decisions), once its time ended.

Deleting old log-in events is, with erasure, the documented exception to the insert-only audit
trail; each society's run is itself an audit event (``retention``, or ``retention_dry_run``).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import delete, exists, or_, select, update

from ...extensions import db
from ...models import (
    Accreditation, AuditEvent, Certificate, DuesPayment, Flag, ImportBatch, ImportFile, ImportRow, ImportRowError,
    Membership, PaymentImport, Person, RetainedRecord, RuleSet, RuleSetVersion, Society,
)
from ..groups import summaries
from ..platform import audit
from . import erasure
from .export import LOGIN_ACTIONS

RULES = ("left_members", "import_files", "payment_files", "login_events", "resolved_flags", "kept_records")


@dataclass(frozen=True)
class Item:
    """What one rule would remove for one society (``society_id`` None: logins of no society)."""
    society_id: int | None
    society_code: str
    rule: str
    ids: tuple
    labels: tuple[str, ...]  # one line per thing, for the dry run's list (at most LISTED)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def description(self) -> str:
        return f"{self.count} to remove" + (": " + "; ".join(self.labels) if self.labels else "")


LISTED = 50


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _item(society: Society | None, rule: str, rows: list[tuple]) -> Item:
    return Item(society.id if society else None, society.code if society else "-", rule,
                tuple(row[0] for row in rows), tuple(str(row[1]) for row in rows[:LISTED]))


# -- what each rule would remove --------------------------------------------------------

def _left_members(society: Society, day: date) -> list[tuple]:
    cutoff = years_before(day, society.retention_left_member_years)
    still_member = exists().where(Membership.person_id == Person.id,
                                  or_(Membership.ended_on.is_(None), Membership.ended_on > cutoff))
    left_here = exists().where(Membership.person_id == Person.id, Membership.society_id == society.id)
    rows = db.session.execute(
        select(Person.id, Person.given_name, Person.family_name)
        .where(Person.erased_at.is_(None), left_here, ~still_member).order_by(Person.id)).all()
    return [(row.id, f"person {row.id}: {row.given_name} {row.family_name}, left on or before {cutoff}") for row in rows]


def _import_files(society: Society, day: date) -> list[tuple]:
    cutoff = _start_of(day - timedelta(days=society.retention_import_days))
    staged = or_(exists().where(ImportFile.batch_id == ImportBatch.id), exists().where(ImportRow.batch_id == ImportBatch.id),
                 exists().where(ImportRowError.batch_id == ImportBatch.id))
    rows = db.session.execute(
        select(ImportBatch.id, ImportBatch.filename, ImportBatch.created_at)
        .where(ImportBatch.society_id == society.id, ImportBatch.created_at < cutoff, staged)
        .order_by(ImportBatch.id)).all()
    return [(row.id, f"import {row.id} ({row.filename}, {row.created_at:%Y-%m-%d})") for row in rows]


def _payment_files(society: Society, day: date) -> list[tuple]:
    cutoff = _start_of(day - timedelta(days=society.retention_import_days))
    rows = db.session.execute(
        select(PaymentImport.id, PaymentImport.filename, PaymentImport.created_at)
        .where(PaymentImport.society_id == society.id, PaymentImport.created_at < cutoff, PaymentImport.content != "")
        .order_by(PaymentImport.id)).all()
    return [(row.id, f"payment file {row.id} ({row.filename}, {row.created_at:%Y-%m-%d})") for row in rows]


def _login_events_where(society_id: int | None, days: int, day: date):
    society = AuditEvent.society_id.is_(None) if society_id is None else AuditEvent.society_id == society_id
    return (AuditEvent.action.in_(LOGIN_ACTIONS), society,
            AuditEvent.occurred_at < _start_of(day - timedelta(days=days)))


def _login_events(society_id: int | None, days: int, day: date) -> list[tuple]:
    rows = db.session.execute(select(AuditEvent.id, AuditEvent.action, AuditEvent.occurred_at)
                              .where(*_login_events_where(society_id, days, day)).order_by(AuditEvent.id)).all()
    return [(row.id, f"{row.action} event {row.id} of {row.occurred_at:%Y-%m-%d}") for row in rows]


def _resolved_flags(society: Society, day: date) -> list[tuple]:
    cutoff = years_before(day, society.retention_flag_years)
    rows = db.session.execute(select(Flag.id, Flag.kind, Flag.resolved_on)
                              .where(Flag.society_id == society.id, Flag.resolved_on < cutoff)
                              .order_by(Flag.id)).all()
    return [(row.id, f"flag {row.id} ({row.kind}), resolved {row.resolved_on}") for row in rows]


def _kept_records(society: Society, day: date) -> list[tuple]:
    rows = db.session.execute(
        select(RetainedRecord.id, RetainedRecord.person_id, RetainedRecord.kind, RetainedRecord.rows,
               RetainedRecord.keep_until)
        .where(RetainedRecord.society_id == society.id, RetainedRecord.removed_on.is_(None),
               RetainedRecord.keep_until < day).order_by(RetainedRecord.id)).all()
    return [(row.id, f"{row.rows} {row.kind} of erased person {row.person_id}, kept until {row.keep_until}")
            for row in rows]


def kept_for_later(day: date, society_id: int | None = None) -> list[RetainedRecord]:
    """What erasures kept that is not due yet, soonest first: the dry run shows when it will go."""
    statement = (select(RetainedRecord).where(RetainedRecord.removed_on.is_(None), RetainedRecord.keep_until >= day)
                 .order_by(RetainedRecord.keep_until, RetainedRecord.id))
    if society_id is not None:
        statement = statement.where(RetainedRecord.society_id == society_id)
    return list(db.session.scalars(statement))


def due(day: date, society_id: int | None = None) -> list[Item]:
    """What the rules would remove on ``day``, for one society or (None) for all of them."""
    statement = select(Society).order_by(Society.code)
    if society_id is not None:
        statement = statement.where(Society.id == society_id)
    societies = list(db.session.scalars(statement))
    items = []
    for society in societies:
        items += [
            _item(society, "left_members", _left_members(society, day)),
            _item(society, "import_files", _import_files(society, day)),
            _item(society, "payment_files", _payment_files(society, day)),
            _item(society, "login_events", _login_events(society.id, society.retention_login_days, day)),
            _item(society, "resolved_flags", _resolved_flags(society, day)),
            _item(society, "kept_records", _kept_records(society, day)),
        ]
    if society_id is None and societies:
        shortest = min(society.retention_login_days for society in societies)
        items.append(_item(None, "login_events", _login_events(None, shortest, day)))
    return items


def totals(items: list[Item]) -> dict:
    by_rule = {rule: sum(item.count for item in items if item.rule == rule) for rule in RULES}
    return {"removed": sum(by_rule.values()), **by_rule}


def record_dry_run(items: list[Item], society_id: int | None) -> None:
    audit.record("retention_dry_run", entity_type="Society", entity_id=society_id, society_id=society_id,
                 details=totals(items))


# -- removing it ------------------------------------------------------------------------

def _remove_kept(record_ids: tuple, day: date) -> None:
    for record in db.session.scalars(select(RetainedRecord).where(RetainedRecord.id.in_(record_ids))):
        if record.kind == "dues_payments":
            db.session.execute(delete(DuesPayment).where(DuesPayment.membership_id.in_(
                select(Membership.id).where(Membership.person_id == record.person_id,
                                            Membership.society_id == record.society_id))))
        else:
            accreditations = (select(Accreditation.id).join(Accreditation.rule_set_version).join(RuleSetVersion.rule_set)
                              .where(Accreditation.person_id == record.person_id,
                                     RuleSet.society_id == record.society_id))
            ids = list(db.session.scalars(accreditations))
            # Certificates first (they restrict); decisions and reminders go with their accreditation.
            db.session.execute(delete(Certificate).where(Certificate.accreditation_id.in_(ids)))
            db.session.execute(delete(Accreditation).where(Accreditation.id.in_(ids)))
            # Bulk deletes: the flush hook does not see them.
            summaries.refresh_at_commit(summaries.groups_led([record.person_id]))
    db.session.execute(update(RetainedRecord).where(RetainedRecord.id.in_(record_ids)).values(removed_on=day)
                       .execution_options(synchronize_session=False))


def _remove(item: Item, day: date) -> None:
    ids = item.ids
    if item.rule == "left_members":
        for person in db.session.scalars(select(Person).where(Person.id.in_(ids))):
            erasure.erase(person, day)
    elif item.rule == "import_files":
        for table in (ImportRowError, ImportRow, ImportFile):
            db.session.execute(delete(table).where(table.batch_id.in_(ids)))
    elif item.rule == "payment_files":
        # The row stays (who imported what, when, and its counts); the file's text goes.
        db.session.execute(update(PaymentImport).where(PaymentImport.id.in_(ids)).values(content="")
                           .execution_options(synchronize_session=False))
    elif item.rule == "login_events":
        db.session.execute(delete(AuditEvent.__table__).where(AuditEvent.id.in_(ids)))
    elif item.rule == "resolved_flags":
        db.session.execute(delete(Flag).where(Flag.id.in_(ids)).execution_options(synchronize_session=False))
    elif item.rule == "kept_records":
        _remove_kept(ids, day)


def apply(day: date, society_id: int | None = None, progress=None) -> dict:
    """Remove what the rules say has gone past its time; one ``retention`` audit event per society
    with counts. Only flushes: the caller (the job) commits with the run's outcome."""
    items = [item for item in due(day, society_id) if item.count]
    by_society: dict[str, dict] = {}
    for number, item in enumerate(items, start=1):
        _remove(item, day)
        counts = by_society.setdefault(str(item.society_id), {"removed": 0})
        counts[item.rule] = item.count
        counts["removed"] += item.count
        if progress:
            progress("Retention", number, len(items))
    for key, counts in by_society.items():
        society = None if key == "None" else int(key)
        audit.record("retention", entity_type="Society", entity_id=society, society_id=society, details=counts)
    db.session.flush()
    return {**totals(items), "by_society": by_society}
