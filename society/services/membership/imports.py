"""CSV imports of members and of groups: upload, validate every row, then commit all or nothing.

1. ``start`` reads the file (UTF-8, comma or semicolon separated), checks its columns,
   marks rows repeating an e-mail (members) or a name (groups) of an earlier row, keeps
   the text in ``import_files`` and stages every row once in ``import_rows``.
2. ``validate_chunk`` checks the next rows (read from the staging table by number, never the
   whole file again) through the marshmallow schemas and against the database (e-mails or
   group names already registered). Each call does one chunk and records its progress;
   nothing is written to the society's data.
3. The commit runs as a job (``import_jobs``), in steps that each hold the database briefly:
   ``begin_commit``, then ``check_commit_chunk`` checks every row once more, chunk by chunk,
   keeping each accepted row in the staging table; if any row is wrong now, nothing is
   created. ``publish`` then creates every row in one transaction with set-based INSERTs
   (and one audit event per created row), so the commit is still all or nothing, and
   SQLite's write lock is held for seconds, not for the whole check.

Row numbers are those a spreadsheet shows: the header is row 1, the first member row 2.
"""
import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import current_app
from flask_babel import force_locale, gettext
from marshmallow import ValidationError
from sqlalchemy import bindparam, delete, func, insert, select, text, update

from ...extensions import db
from ...models import (
    Group, GroupAudience, GroupOpenness, ImportBatch, ImportFile, ImportRow, ImportRowError, Membership, Person, Society,
)
from ...schemas.imports import GroupRowSchema
from ...schemas.members import MemberSchema
from ..groups import openness, summaries
from ..platform import audit, bulk, planner
from ..errors import Conflict, InvalidInput

COLUMNS = {
    "members": ("given_name", "family_name", "email", "phone", "profession", "category", "joined_on"),
    "groups": ("name", "city", "country", "format", "language", "audience", "rhythm", "session_minutes",
               "starts_on", "accepting_members", "status"),
}
REQUIRED = {
    "members": ("given_name", "family_name", "email", "profession", "category", "joined_on"),
    "groups": ("name", "format", "audience", "rhythm", "session_minutes"),
}
KEY_COLUMN = {"members": "email", "groups": "name"}  # must be unique in the file and the database
MAX_ROWS = 100_000
MAX_STORED_ERRORS = 2000


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str
    translations: dict | None = None  # {"sv": {"message": ...}}


def _worded(check) -> list[RowError]:
    """The errors ``check(only_rows)`` finds, in English with their wording in the other interface
    languages: whoever runs the check, each reader sees them in their own language. The other
    languages check again only the rows found wrong (the same errors, in the same order)."""
    with force_locale("en"):
        errors = check(None)
    if not errors:
        return errors
    wrong_rows = {e.row for e in errors}
    wordings = {}
    for code in current_app.config["LANGUAGES"]:
        if code != "en":
            with force_locale(code):
                worded = check(wrong_rows)
            if [(e.row, e.field) for e in worded] == [(e.row, e.field) for e in errors]:
                wordings[code] = worded
    return [RowError(e.row, e.field, e.message,
                     {code: {"message": worded[i].message} for code, worded in wordings.items()} or None)
            for i, e in enumerate(errors)]


# -- reading the file --------------------------------------------------------------------

def decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(gettext('The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.'),
                           field="file") from error
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidInput(gettext("The file holds a NUL byte (line %(line)s): it is not plain CSV text. Save it "
                                   "again as \"CSV UTF-8\" and upload it again.", line=line), field="file")
    return text


def parse(kind: str, text: str) -> list[dict]:
    """The rows as dicts of the file's columns; InvalidInput for a problem with the file itself."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [record for record in reader if any(cell.strip() for cell in record)]
    except csv.Error as error:
        raise InvalidInput(gettext("The file is not valid CSV: %(error)s.", error=error), field="file") from error
    if not records:
        raise InvalidInput(gettext("The file is empty."), field="file")
    header = [name.strip().lower() for name in records[0]]
    unknown = [name for name in header if name not in COLUMNS[kind]]
    missing = [name for name in REQUIRED[kind] if name not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(gettext("missing column(s): %(columns)s", columns=", ".join(missing)))
        if unknown:
            parts.append(gettext("unknown column(s): %(columns)s", columns=", ".join(unknown)))
        raise InvalidInput(gettext("The header row is not right (%(problems)s). Expected: %(columns)s.",
                                   problems="; ".join(parts), columns=", ".join(COLUMNS[kind])), field="file")
    if len(set(header)) != len(header):
        raise InvalidInput(gettext("A column appears twice in the header row."), field="file")
    if len(records) - 1 > MAX_ROWS:
        raise InvalidInput(gettext("The file has more than %(num)s rows; split it.", num=MAX_ROWS), field="file")
    rows = []
    for record in records[1:]:
        cells = (record + [""] * len(header))[:len(header)]
        rows.append(dict(zip(header, cells)))
    return rows


def _key(kind: str, row: dict) -> str:
    value = (row.get(KEY_COLUMN[kind]) or "").strip()
    return value.lower() if kind == "members" else value.casefold()


def duplicates_in_file(kind: str, rows: list[dict]) -> list[RowError]:
    """Rows repeating the e-mail (or group name) of an earlier row."""
    return _worded(lambda only_rows: _duplicates(kind, rows, only_rows))


def _duplicates(kind: str, rows: list[dict], only_rows: set[int] | None) -> list[RowError]:
    first_seen: dict[str, int] = {}
    errors = []
    for index, row in enumerate(rows):
        key, number = _key(kind, row), index + 2
        if not key:
            continue
        if key in first_seen and (only_rows is None or number in only_rows):
            message = (gettext("Also on row %(row)s: each e-mail may appear once.", row=first_seen[key])
                       if kind == "members" else
                       gettext("Also on row %(row)s: each group name may appear once.", row=first_seen[key]))
            errors.append(RowError(number, KEY_COLUMN[kind], message))
        elif key not in first_seen:
            first_seen[key] = number
    return errors


# -- validating rows ---------------------------------------------------------------------

def _schema(kind: str):
    return MemberSchema() if kind == "members" else GroupRowSchema()


def _taken(kind: str, society: Society, keys: list[str]) -> set[str]:
    """Which of these keys the database holds already (case-insensitively)."""
    if not keys:
        return set()
    if kind == "members":
        column, scope = func.lower(Person.email), []
    else:
        column, scope = func.lower(Group.name), [Group.society_id == society.id]
    found = set()
    for start in range(0, len(keys), 500):
        found.update(db.session.scalars(select(column).where(column.in_(keys[start:start + 500]), *scope)))
    return found


def validate_rows(kind: str, society: Society, rows: list[dict], first_number: int) -> tuple[list[dict], list[RowError]]:
    """(loaded rows, errors) for ``rows``, the first being spreadsheet row ``first_number``."""
    checked = {}

    def check(only_rows):
        loaded, errors = _validate_rows(kind, society, rows, first_number, only_rows)
        checked.setdefault("loaded", loaded)
        return errors

    errors = _worded(check)
    return checked["loaded"], errors


def _validate_rows(kind: str, society: Society, rows: list[dict], first_number: int,
                   only_rows: set[int] | None) -> tuple[list[dict], list[RowError]]:
    schema, loaded, errors = _schema(kind), [], []
    for offset, row in enumerate(rows):
        number = first_number + offset
        if only_rows is not None and number not in only_rows:
            continue
        try:
            data = schema.load({k: v for k, v in row.items() if k in schema.fields})
        except ValidationError as error:
            for field, messages in sorted(error.messages.items()):
                for message in messages if isinstance(messages, list) else [messages]:
                    errors.append(RowError(number, field, str(message)))
            continue
        if kind == "groups":
            data["country"] = data.get("country") or society.country
            data["language"] = data.get("language") or society.default_language
        loaded.append({"row": number, **data})
    keys = [(item["email"] if kind == "members" else item["name"].lower()) for item in loaded]
    taken = _taken(kind, society, keys)
    for item in loaded:
        key = item["email"] if kind == "members" else item["name"].lower()
        if key in taken:
            errors.append(RowError(item["row"], KEY_COLUMN[kind], gettext("A person with this e-mail address is already registered.")
                                   if kind == "members" else gettext("The society already has a group with this name.")))
    return loaded, errors


# -- the batch's life --------------------------------------------------------------------

def _add_errors(batch_id: int, errors: list[RowError]) -> None:
    # Plain INSERTs: these are derived messages, not records worth an audit row each.
    room = MAX_STORED_ERRORS - (db.session.scalar(
        select(func.count()).select_from(ImportRowError).where(ImportRowError.batch_id == batch_id)) or 0)
    if errors and room > 0:
        db.session.execute(insert(ImportRowError), [
            {"batch_id": batch_id, "row_no": e.row, "field": e.field[:60], "message": e.message[:500],
             "translations": e.translations}
            for e in errors[:room]])


def _progress(batch: ImportBatch, **values) -> None:
    """Progress is written with an UPDATE statement, so the trail is not flooded with ticks."""
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.expire(batch)


def start(society_id: int, kind: str, filename: str, raw: bytes, user_id: int | None) -> ImportBatch:
    """Keep an uploaded file as a new batch to validate; InvalidInput when the file itself is wrong."""
    if kind not in COLUMNS:
        raise InvalidInput(gettext("Choose what the file holds: members or groups."), field="kind")
    text = decode(raw)
    rows = parse(kind, text)
    if not rows:
        raise InvalidInput(gettext("The file has a header row but no rows to import."), field="file")
    batch = ImportBatch(society_id=society_id, kind=kind, filename=(filename or "upload.csv")[:200],
                        total_rows=len(rows), status="validating", created_by_id=user_id)
    db.session.add(batch)
    db.session.flush()
    db.session.execute(insert(ImportFile).values(batch_id=batch.id, content=text))
    _stage(batch.id, rows)
    duplicates = duplicates_in_file(kind, rows)
    _add_errors(batch.id, duplicates)
    _progress(batch, error_count=len(duplicates))
    return batch


STAGE_ROWS = 5000  # rows per INSERT when staging a file


def _stage(batch_id: int, rows: list[dict]) -> None:
    # Plain INSERTs, like the file's text: the file is not the society's data until committed.
    for first in range(0, len(rows), STAGE_ROWS):
        db.session.execute(insert(ImportRow), [
            {"batch_id": batch_id, "row_no": first + offset + 2, "cells": json.dumps(row, ensure_ascii=False)}
            for offset, row in enumerate(rows[first:first + STAGE_ROWS])])


def _staged(batch: ImportBatch, first_index: int, size: int) -> list[dict]:
    """The file's rows ``first_index`` to ``first_index + size`` (0-based), as parsed at upload."""
    first_row = first_index + 2
    cells = db.session.scalars(select(ImportRow.cells).where(
        ImportRow.batch_id == batch.id, ImportRow.row_no >= first_row, ImportRow.row_no < first_row + size)
        .order_by(ImportRow.row_no))
    return [json.loads(text) for text in cells]


def validate_chunk(batch: ImportBatch, size: int = 500) -> ImportBatch:
    """Validate the next ``size`` rows; the batch becomes "valid" or "invalid" after the last."""
    if batch.status != "validating":
        return batch
    society = db.session.get(Society, batch.society_id)
    start_at = batch.processed_rows
    chunk = _staged(batch, start_at, size)
    _loaded, errors = validate_rows(batch.kind, society, chunk, start_at + 2)
    _add_errors(batch.id, errors)
    processed = start_at + len(chunk)
    error_count = batch.error_count + len(errors)
    values = {"processed_rows": processed, "error_count": error_count}
    if processed >= batch.total_rows:
        values["status"] = "invalid" if error_count else "valid"
    _progress(batch, **values)
    return batch


def begin_commit(batch: ImportBatch, user_id: int | None) -> None:
    """Queue the commit of a valid batch: every row is checked again, then created (``import_jobs``)."""
    if batch.status != "valid":
        raise Conflict(gettext("Only a file whose every row is valid can be imported."))
    _progress(batch, status="committing", processed_rows=0, committed_by_id=user_id)


def _as_json(value):
    return value.isoformat() if isinstance(value, date) else value


def check_commit_chunk(batch: ImportBatch, size: int = 500) -> ImportBatch:
    """Check the next ``size`` rows once more (the database may have changed since the preview)
    and keep each as accepted; the first wrong row makes the batch "invalid": nothing is created."""
    if batch.status != "committing" or batch.processed_rows >= batch.total_rows:
        return batch
    society = db.session.get(Society, batch.society_id)
    start_at = batch.processed_rows
    loaded, errors = validate_rows(batch.kind, society, _staged(batch, start_at, size), start_at + 2)
    if errors:
        db.session.execute(delete(ImportRowError).where(ImportRowError.batch_id == batch.id))
        _add_errors(batch.id, errors)
        _progress(batch, status="invalid", error_count=len(errors))
        return batch
    if loaded:
        staged = ImportRow.__table__
        db.session.execute(
            update(staged).where(staged.c.batch_id == batch.id, staged.c.row_no == bindparam("number"))
            .values(loaded=bindparam("checked")),
            [{"number": item["row"], "checked": json.dumps({k: _as_json(v) for k, v in item.items()},
                                                           ensure_ascii=False)} for item in loaded])
    _progress(batch, processed_rows=start_at + size if start_at + size < batch.total_rows else batch.total_rows)
    return batch


def ready_to_publish(batch: ImportBatch) -> bool:
    return batch.status == "committing" and batch.processed_rows >= batch.total_rows


PUBLISH_ROWS = 5000  # people created per step of a members commit


def publish_step(batch: ImportBatch, rows: int = PUBLISH_ROWS) -> bool:
    """Take the next step of creating a checked batch's rows, in the caller's transaction; True
    once every row is created and the batch is "committed".

    Members: the people first, ``rows`` at a time, each step short (a person without a
    membership is not yet anyone's member: no list shows them); then, in one last step, every
    membership, which makes them members all at once. Groups (a society has tens) are created in
    one step. A failure at any step is undone by ``undo_publish``: nothing is kept."""
    if not ready_to_publish(batch):
        raise Conflict(gettext("Only a file whose every row is valid can be imported."))
    society = db.session.get(Society, batch.society_id)
    if batch.kind == "members":
        pending = db.session.execute(
            select(ImportRow.row_no, ImportRow.loaded).where(ImportRow.batch_id == batch.id,
                                                             ImportRow.person_id.is_(None))
            .order_by(ImportRow.row_no).limit(rows)).all()
        if pending:
            _create_people(society, batch.id, pending)
            return False
        created = _create_memberships(society, batch.id)
    else:
        created = _create_groups(society, _checked(batch))
    batch.status, batch.imported_count = "committed", created
    batch.committed_at = datetime.now(timezone.utc)
    # Personal data of the file is not kept once its rows are the society's.
    db.session.execute(delete(ImportFile).where(ImportFile.batch_id == batch.id))
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    db.session.flush()
    planner.after_bulk_write(created, *(("people", "memberships") if batch.kind == "members"
                                        else ("groups", "group_audiences")))
    return True


def _checked(batch: ImportBatch) -> list[dict]:
    items = [json.loads(text) if text else None for text in db.session.scalars(
        select(ImportRow.loaded).where(ImportRow.batch_id == batch.id).order_by(ImportRow.row_no))]
    if len(items) != batch.total_rows or any(item is None for item in items):
        raise Conflict(gettext("The import's rows are not all checked; check them again."))
    return items


def _create_people(society: Society, batch_id: int, pending) -> None:
    items = [json.loads(loaded) for _row_no, loaded in pending]
    people = _inserted(Person, [
        {"given_name": item["given_name"], "family_name": item["family_name"], "email": item["email"],
         "phone": item.get("phone"), "profession": item["profession"], "language": society.default_language,
         "psychodynamically_trained": False}
        for item in items])
    audit.record_created("Person", people, society.id)
    staged = ImportRow.__table__
    db.session.execute(
        update(staged).where(staged.c.batch_id == batch_id, staged.c.row_no == bindparam("number"))
        .values(person_id=bindparam("person")),
        [{"number": row_no, "person": person["id"]} for (row_no, _loaded), person in zip(pending, people)])


def _create_memberships(society: Society, batch_id: int) -> int:
    staged = db.session.execute(select(ImportRow.person_id, ImportRow.loaded)
                                .where(ImportRow.batch_id == batch_id).order_by(ImportRow.row_no)).all()
    memberships = []
    for person_id, loaded in staged:
        item = json.loads(loaded)
        memberships.append({"person_id": person_id, "society_id": society.id, "category": item["category"],
                            "joined_on": date.fromisoformat(item["joined_on"])})
    audit.record_created("Membership", _inserted(Membership, memberships), society.id)
    return len(memberships)


def undo_publish(batch_id: int) -> int:
    """After a failed step: remove the people this batch created so far (with a delete event each),
    so nothing of the import stays. Runs in a transaction of its own; how many were removed."""
    people = list(db.session.scalars(select(ImportRow.person_id).where(
        ImportRow.batch_id == batch_id, ImportRow.person_id.is_not(None))))
    for first in range(0, len(people), 5000):
        chunk = people[first:first + 5000]
        for person in db.session.scalars(select(Person).where(Person.id.in_(chunk))):
            db.session.delete(person)  # through the ORM: the flush hook records each deletion
        db.session.flush()
    db.session.execute(update(ImportRow.__table__).where(ImportRow.__table__.c.batch_id == batch_id)
                       .values(person_id=None))
    return len(people)


def _inserted(model, rows: list[dict]) -> list[dict]:
    """INSERT the rows (column defaults applied, ids reserved first); the rows, with their ids."""
    table = model.__table__
    # Every row names the same columns (one statement serves them all): a value left out, or
    # None where the column has a plain default, takes that default, as the ORM would give it.
    defaults = {column.name: column.default.arg for column in table.c
                if column.default is not None and column.default.is_scalar}
    for row in rows:
        for name, value in defaults.items():
            if row.get(name) is None:
                row[name] = value
    if rows and "id" in table.c:
        for row, new_id in zip(rows, _reserve_ids(table, len(rows))):
            row["id"] = new_id
    bulk.insert_rows(table, rows)
    return rows


def _reserve_ids(table, count: int) -> list[int]:
    """``count`` new ids for ``table``: from its sequence on PostgreSQL; on SQLite the next ones
    after the largest, which is safe because the caller holds the only write lock."""
    if db.engine.dialect.name == "postgresql":
        return list(db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count}))
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))


GROUP_COLUMNS = ("name", "city", "country", "format", "language", "rhythm", "session_minutes", "starts_on",
                 "accepting_members", "status")


def _create_groups(society: Society, items: list[dict]) -> int:
    def values(item):
        row = {"society_id": society.id, **{key: item.get(key) for key in GROUP_COLUMNS}}
        row["starts_on"] = date.fromisoformat(row["starts_on"]) if row["starts_on"] else None
        return row

    groups = _inserted(Group, [values(item) for item in items])
    audiences = _inserted(GroupAudience, [{"group_id": group["id"], "profession": code}
                                          for group, item in zip(groups, items) for code in item["audience"]])
    history = _inserted(GroupOpenness, openness.first_rows(groups, date.today()))
    audit.record_created("Group", groups, society.id)
    audit.record_created("GroupAudience", audiences, society.id)
    audit.record_created("GroupOpenness", history, society.id)
    summaries.refresh_at_commit(group["id"] for group in groups)  # bulk inserts: the flush hook does not see them
    return len(groups)


def mark_failed(batch_id: int, reason: str) -> None:
    """After a rolled-back commit: say why on the batch (in a transaction of its own)."""
    batch = db.session.get(ImportBatch, batch_id)
    batch.status, batch.failure = "failed", reason[:2000]
    db.session.flush()


def discard(batch: ImportBatch) -> None:
    if batch.status == "committed":
        raise Conflict(gettext("An imported file cannot be discarded."))
    batch.status = "discarded"
    db.session.execute(delete(ImportFile).where(ImportFile.batch_id == batch.id))
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    db.session.flush()


def errors_of(batch: ImportBatch, limit: int = 500) -> list[ImportRowError]:
    return list(db.session.scalars(select(ImportRowError).where(ImportRowError.batch_id == batch.id)
                                   .order_by(ImportRowError.row_no, ImportRowError.id).limit(limit)))


def preview(batch: ImportBatch, limit: int = 10) -> list[dict]:
    """The first rows as the file gives them, for the preview table."""
    if batch.status not in ("validating", "valid", "invalid", "committing"):
        return []
    return _staged(batch, 0, limit)


def example(kind: str) -> str:
    """A small valid file of this kind, to download and fill in."""
    rows = EXAMPLES[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    writer.writerows(rows)
    return buffer.getvalue()


EXAMPLES = {
    "members": [
        ("Karin", "Lindqvist", "karin.lindqvist@example.se", "+46 70 123 45 67", "gp", "full", "2021-03-01"),
        ("Erik", "Holm", "erik.holm@example.se", "", "resident", "trainee", "2024-09-15"),
        ("Sara", "Ek", "sara.ek@example.se", "+46 73 555 01 02", "physiotherapist", "associate", "2019-01-10"),
    ],
    "groups": [
        ("Balintgrupp Uppsala tisdag", "Uppsala", "SE", "in_person", "sv", "gp", "fortnightly", "90", "2025-01-14",
         "yes", "active"),
        ("Fysioterapeuter online", "", "SE", "online", "sv", "physiotherapist", "monthly", "120", "2025-09-01",
         "yes", "forming"),
        ("ST-läkare Malmö", "Malmö", "SE", "hybrid", "sv", "resident;gp", "weekly", "90", "", "no", "active"),
    ],
}
