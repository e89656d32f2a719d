"""Erasure on request: the person's identifying values are nowhere afterwards.

- The person's row stays, nameless ("Erased person N", no e-mail, phone or city, ``erased_at``),
  so groups keep their leaders, sessions and attendance counts with an anonymous participant.
- Deleted: their login (with its recovery codes, links and form tokens), training records,
  qualifications and their evidence files, reminders, flags about them, cached certificate PDFs.
- Kept under the pseudonym, what law or the society's rules require (``RetainedRecord``): dues
  for the bookkeeping period, accreditation decisions; their free text is blanked. The retention
  job removes them when that time ends. Certificates stay only to verify as withdrawn, nameless.
- Every marked column of the rows they own is blanked; every other marked column (flags, import
  files and row errors, other people's decisions) has their name, e-mail and phone replaced.
- The audit trail: their values in past events are replaced by the pseudonym, their log-in
  addresses dropped. This is the one exception to the insert-only rule, done with explicit
  statements here, and itself audited as "person N erased".

All writes are plain statements, so the flush hook does not copy old values into the trail. The
caller commits, then calls ``wipe_free_pages`` (SQLite: the WAL checkpointed; with
``secure_delete`` on, freed pages are zeros).
"""
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from flask_babel import gettext
from sqlalchemy import JSON, delete, func, or_, select, text, update

from ...database import BUSY_TIMEOUT_MS
from ...extensions import db
from ...models import (
    Accreditation, AccreditationDecision, AuditEvent, Certificate, DuesPayment, Flag, Membership, Person, PersonQualification, ReminderSent,
    RetainedRecord, RuleSet, RuleSetVersion, Society, TrainingRecord, User,
)
from ..errors import Conflict
from ..groups import summaries
from ..platform import audit
from ..platform.text_search import contains
from . import export, inventory

log = logging.getLogger(__name__)

ERASE_ACTION = "erase"
CHECKPOINT_WAIT_MS = 1000  # how long one checkpoint attempt waits for readers
CHECKPOINT_ATTEMPTS = 5
# Owned tables whose rows go; the others are kept, blanked (a login's children go with it).
DELETED = ("users", "training_records", "reminders_sent", "person_qualifications")
KEPT_REASONS = {
    "dues_payments": "Bookkeeping: dues paid are kept for the bookkeeping period",
    "accreditation_decisions": "The society's rules: accreditation decisions are kept",
}


def pseudonym(person_id: int) -> str:
    return f"Erased person {person_id}"


@dataclass
class Summary:
    person_id: int
    pseudonym: str
    deleted: dict = field(default_factory=dict)  # table -> rows deleted
    blanked: dict = field(default_factory=dict)  # table -> rows kept with their personal columns blanked
    kept: list = field(default_factory=list)  # {what, rows, reason, until, society}
    files_removed: int = 0
    scrubbed: dict = field(default_factory=dict)  # table.column -> values replaced elsewhere
    audit_events_pseudonymised: int = 0

    def as_dict(self) -> dict:
        return {"person_id": self.person_id, "pseudonym": self.pseudonym, "deleted": self.deleted,
                "blanked": self.blanked, "kept": self.kept,
                "files_removed": self.files_removed, "scrubbed": self.scrubbed,
                "audit_events_pseudonymised": self.audit_events_pseudonymised}


def identifying_values(rows: dict[str, list[dict]]) -> list[str]:
    """What names the person anywhere: full name both ways round, e-mail addresses, phone."""
    person = rows["people"][0]
    values = {f"{person['given_name']} {person['family_name']}", f"{person['family_name']} {person['given_name']}",
              f"{person['family_name']}, {person['given_name']}", person.get("phone") or ""}
    values |= export.emails_of(rows)
    return sorted((v for v in values if len(v.strip()) >= 5), key=len, reverse=True)


def _replace(value, patterns: list[re.Pattern], replacement: str):
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_replace(item, patterns, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, patterns, replacement) for key, item in value.items()}
    return value


def _patterns(values: list[str]) -> list[re.Pattern]:
    return [re.compile(re.escape(value), re.IGNORECASE) for value in values]


# -- what is kept, until when --------------------------------------------------------

def _year_end(year: int) -> date:
    return date(year, 12, 31)


def _dues_kept(person_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Membership.society_id, Society.retention_dues_years, func.count(DuesPayment.id).label("rows"),
               func.max(DuesPayment.period).label("period"), func.max(DuesPayment.paid_on).label("paid_on"))
        .join(Membership.dues).join(Membership.society).where(Membership.person_id == person_id)
        .group_by(Membership.society_id, Society.retention_dues_years)).all()
    return [{"what": "dues_payments", "society_id": row.society_id, "rows": row.rows,
             "until": _year_end(max(row.period, row.paid_on.year if row.paid_on else 0) + row.retention_dues_years)}
            for row in rows]


def _decisions_kept(person_id: int, today: date) -> list[dict]:
    """The person's accreditations with their decisions (an accreditation without any recorded
    decision is kept alike: it is the decision)."""
    rows = db.session.execute(
        select(RuleSet.society_id, Society.retention_decision_years, func.count(AccreditationDecision.id).label("rows"),
               func.max(AccreditationDecision.decided_at).label("last"))
        .select_from(Accreditation).outerjoin(Accreditation.decisions).join(Accreditation.rule_set_version)
        .join(RuleSetVersion.rule_set).join(RuleSet.society).where(Accreditation.person_id == person_id)
        .group_by(RuleSet.society_id, Society.retention_decision_years)).all()
    return [{"what": "accreditation_decisions", "society_id": row.society_id, "rows": row.rows,
             "until": _year_end(((row.last.date() if row.last else today).year) + row.retention_decision_years)}
            for row in rows]


def kept_records(person_id: int, today: date) -> list[dict]:
    """What erasure keeps, why and until when (per society)."""
    kept = _dues_kept(person_id) + _decisions_kept(person_id, today)
    for item in kept:
        item["reason"] = KEPT_REASONS[item["what"]]
    return kept


def plan(person: Person, today: date) -> dict:
    """What erasing ``person`` would delete or blank (rows per table) and keep: for the confirmation."""
    rows = export.owned_rows(person.id)
    about = export.flags_about(rows)
    counts = {name: len(found) for name, found in rows.items() if found}
    if about is not None:
        counts["flags"] = db.session.scalar(select(func.count(Flag.id)).where(about)) or 0
    return {"rows": counts, "kept": kept_records(person.id, today)}


# -- the erasure ----------------------------------------------------------------------

def erase(person: Person, today: date) -> Summary:
    """Erase ``person`` (see the module's docstring); the caller commits, then ``wipe_free_pages``."""
    if person.erased_at is not None:
        raise Conflict(gettext("This person's data has been erased already."))
    person_id = person.id
    rows = export.owned_rows(person_id)
    values = identifying_values(rows)
    summary = Summary(person_id, pseudonym(person_id))
    summary.kept = kept_records(person_id, today)
    summary.files_removed = _remove_files(rows)
    _keep(person_id, summary.kept)
    led = summaries.groups_led([person_id])  # before their leader rows may go
    _delete_rows(rows, summary)
    _blank_owned_rows(rows, summary, today)
    _scrub_marked_columns(values, summary)
    summary.audit_events_pseudonymised = _pseudonymise_audit_trail(rows, values, summary.pseudonym)
    _optimise_search_index()
    summaries.refresh_at_commit(led)  # the directory shows the erased name, not the person's
    db.session.expire_all()
    audit.record(ERASE_ACTION, entity_type="Person", entity_id=person_id,
                 details={"deleted": summary.deleted, "blanked": summary.blanked, "kept": [_kept_json(k) for k in summary.kept],
                          "files_removed": summary.files_removed})
    for item in summary.kept:
        item["until"] = item["until"].isoformat()
    return summary


def _kept_json(item: dict) -> dict:
    return {**item, "until": item["until"].isoformat()}


def _remove_files(rows: dict[str, list[dict]]) -> int:
    """Evidence files and cached certificate PDFs, removed from disk once the erasure commits."""
    from ..training import evidence

    paths = [row["evidence_path"] for table in ("training_records", "person_qualifications")
             for row in rows.get(table, []) if row.get("evidence_path")]
    paths += [row["pdf_path"] for row in rows.get("certificates", []) if row.get("pdf_path")]
    for relative in paths:
        evidence.discard(relative)
    return len(paths)


def _keep(person_id: int, kept: list[dict]) -> None:
    for item in kept:
        db.session.execute(RetainedRecord.__table__.insert().values(
            person_id=person_id, society_id=item["society_id"], kind=item["what"], rows=item["rows"],
            reason=item["reason"], keep_until=item["until"]))


def _delete_rows(rows: dict[str, list[dict]], summary: Summary) -> None:
    about = export.flags_about(rows)
    if about is not None:
        summary.deleted["flags"] = db.session.execute(delete(Flag).where(about)).rowcount
    accreditation_ids = [row["id"] for row in rows.get("accreditations", [])]
    if accreditation_ids:
        db.session.execute(delete(ReminderSent).where(ReminderSent.accreditation_id.in_(accreditation_ids)))
    db.session.execute(delete(TrainingRecord).where(TrainingRecord.person_id == summary.person_id))
    db.session.execute(delete(PersonQualification).where(PersonQualification.person_id == summary.person_id))
    # The database removes the login's recovery codes, links and form tokens with it.
    db.session.execute(delete(User).where(User.person_id == summary.person_id))
    for name in DELETED:
        if rows.get(name):
            summary.deleted[name] = len(rows[name])
    for name in ("recovery_codes", "account_tokens"):
        if rows.get(name):
            summary.deleted[name] = len(rows[name])


def _blank_owned_rows(rows: dict[str, list[dict]], summary: Summary, today: date) -> None:
    person_id, name = summary.person_id, summary.pseudonym
    db.session.execute(
        update(Person).where(Person.id == person_id)
        .values(given_name="Erased", family_name=f"person {person_id}", email=None, phone=None, city=None,
                erased_at=datetime.now(timezone.utc), version_id=Person.version_id + 1)
        .execution_options(synchronize_session=False))
    summary.blanked["people"] = 1
    skipped = {"people", "recovery_codes", "account_tokens", *DELETED}
    for owned in inventory.owned_tables():
        table, found = owned.table, rows.get(owned.table.name)
        key = inventory.primary_key(table)
        columns = inventory.personal_columns(table)
        if table.name in skipped or not found or key is None or not columns:
            continue
        blank = {c.name: (None if c.nullable else name[: getattr(c.type, "length", None) or None]) for c in columns}
        db.session.execute(update(table).where(key.in_([row[key.name] for row in found])).values(**blank))
        summary.blanked[table.name] = len(found)
    # A certificate of an erased holder verifies as withdrawn, and its stored PDF is gone.
    db.session.execute(update(Certificate).where(or_(Certificate.person_id == person_id, Certificate.accreditation_id.in_(
        select(Accreditation.id).where(Accreditation.person_id == person_id))))
        .values(revoked_at=func.coalesce(Certificate.revoked_at, datetime.now(timezone.utc)),
                pdf_path=None, pdf_sha256=None).execution_options(synchronize_session=False))
    # Erasure ends a membership still running: the person is no one's member any more.
    db.session.execute(
        update(Membership).where(Membership.person_id == person_id, Membership.ended_on.is_(None))
        .values(ended_on=func.max(Membership.joined_on, today) if db.engine.dialect.name == "sqlite"
                else func.greatest(Membership.joined_on, today), end_reason="resigned",
                version_id=Membership.version_id + 1)
        .execution_options(synchronize_session=False))


def _key_condition(table, row) -> list:
    return [column == row[column.name] for column in table.primary_key.columns]


def _scrub_marked_columns(values: list[str], summary: Summary) -> None:
    """Replace the person's name, e-mail and phone in every marked column of rows they do not own."""
    if not values:
        return
    patterns = _patterns(values)
    for table in db.metadata.sorted_tables:
        for column in inventory.personal_columns(table):
            keys = list(table.primary_key.columns)
            if isinstance(column.type, JSON):
                statement = select(*keys, column).where(column.is_not(None))
            else:
                statement = select(*keys, column).where(or_(*(contains(column, value) for value in values)))
            changed = 0
            for row in db.session.execute(statement).mappings():
                new = _replace(row[column.name], patterns, summary.pseudonym)
                if new != row[column.name]:
                    db.session.execute(update(table).where(*_key_condition(table, row)).values({column.name: new}))
                    changed += 1
            if changed:
                summary.scrubbed[f"{table.name}.{column.name}"] = changed


def _personal_keys_by_model() -> dict[str, set[str]]:
    return {inventory.model_name(table): {c.name for c in inventory.personal_columns(table)}
            for table in db.metadata.sorted_tables if inventory.model_name(table)}


def _pseudonymise_audit_trail(rows: dict[str, list[dict]], values: list[str], name: str) -> int:
    """The one exception to the insert-only trail: the person's values in past events become the
    pseudonym, events done by their login are signed with it and lose the client address."""
    patterns = _patterns(values)
    personal_keys = _personal_keys_by_model()
    user_ids = {row["id"] for row in rows.get("users", [])}
    emails = export.emails_of(rows)
    own = {(inventory.model_name(o.table), row[inventory.primary_key(o.table).name])
           for o in inventory.owned_tables() if inventory.primary_key(o.table) is not None
           for row in rows.get(o.table.name, [])}
    matches = or_(export.audit_events_about(rows), *(contains(AuditEvent.changes, value) for value in values))
    changed = 0
    events = db.session.execute(select(AuditEvent.id, AuditEvent.entity_type, AuditEvent.entity_id,
                                       AuditEvent.actor_user_id, AuditEvent.actor_label, AuditEvent.changes)
                                .where(matches)).all()
    for event in events:
        values_ = {}
        if event.changes:
            changes = json.loads(event.changes)
            if (event.entity_type, event.entity_id) in own and isinstance(changes, dict):
                for key in personal_keys.get(event.entity_type, ()) & changes.keys():
                    changes[key] = [None if v is None else name for v in changes[key]] \
                        if isinstance(changes[key], list) else name
            changes = _replace(changes, patterns, name)
            text_ = json.dumps(changes, default=str)
            if text_ != event.changes:
                values_["changes"] = text_
        if event.actor_user_id in user_ids or (event.actor_label or "").lower() in emails:
            values_.update(actor_label=name, ip=None)
        if values_:
            db.session.execute(update(AuditEvent.__table__).where(AuditEvent.id == event.id).values(**values_))
            changed += 1
    return changed


def _optimise_search_index() -> None:
    """SQLite's trigram index of names (migration 0002) keeps deleted terms in old segments
    until they are merged: merge them now."""
    if db.engine.dialect.name != "sqlite":
        return
    exists = db.session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'people_search'")).first()
    if exists:
        db.session.execute(text("INSERT INTO people_search(people_search) VALUES ('optimize')"))


def wipe_free_pages() -> None:
    """After the erasure committed: on SQLite, move the WAL into the file and empty it, so the old
    pages (zeroed by ``secure_delete`` once freed) are not kept in the log. PostgreSQL keeps dead
    rows until VACUUM (see README)."""
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        # A truncating checkpoint holds the write lock while it waits for readers; a reader that
        # wants to write (another process's job) then waits for it: a deadlock until one side's
        # busy timeout. So wait briefly, let the others finish, and try again.
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        for attempt in range(CHECKPOINT_ATTEMPTS):
            busy, _log_frames, _copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                break
            time.sleep(0.5 * (attempt + 1))
        else:
            log.warning("The WAL could not be emptied now; SQLite's next checkpoint overwrites it.")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()
    finally:
        connection.close()
