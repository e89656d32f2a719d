"""CSV imports of members and of groups: upload, validate every row, then commit all or nothing.

1. ``start`` reads the file (UTF-8, comma or semicolon separated), checks its columns,
   marks rows repeating an e-mail (members) or a name (groups) of an earlier row, and keeps
   the text in ``import_files``.
2. ``validate_chunk`` checks the next rows through the marshmallow schemas and against the
   database (e-mails or group names already registered). Each call does one chunk and
   records its progress, so a page can show progress on a large file by calling it
   repeatedly; nothing is written to the society's data.
3. ``commit`` validates every row once more inside the caller's transaction and, only when
   none is wrong, creates them all. If anything fails the caller rolls back: nothing is kept.

Row numbers are those a spreadsheet shows: the header is row 1, the first member row 2.
"""
import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from flask_babel import force_locale, gettext
from marshmallow import ValidationError
from sqlalchemy import delete, func, insert, select, update

from ...extensions import db
from ...models import Group, GroupAudience, ImportBatch, ImportFile, ImportRowError, Membership, Person, Society
from ...schemas.imports import GroupRowSchema
from ...schemas.members import MemberSchema
from ..platform import planner
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
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(gettext('The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.'),
                           field="file") from error


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

def _content(batch: ImportBatch) -> str:
    content = db.session.scalar(select(ImportFile.content).where(ImportFile.batch_id == batch.id))
    if content is None:
        raise Conflict(gettext("This import's file is no longer kept; upload it again."))
    return content


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
    duplicates = duplicates_in_file(kind, rows)
    _add_errors(batch.id, duplicates)
    _progress(batch, error_count=len(duplicates))
    return batch


def validate_chunk(batch: ImportBatch, size: int = 500) -> ImportBatch:
    """Validate the next ``size`` rows; the batch becomes "valid" or "invalid" after the last."""
    if batch.status != "validating":
        return batch
    rows = parse(batch.kind, _content(batch))
    society = db.session.get(Society, batch.society_id)
    start_at = batch.processed_rows
    chunk = rows[start_at:start_at + size]
    _loaded, errors = validate_rows(batch.kind, society, chunk, start_at + 2)
    _add_errors(batch.id, errors)
    processed = start_at + len(chunk)
    error_count = batch.error_count + len(errors)
    values = {"processed_rows": processed, "error_count": error_count}
    if processed >= batch.total_rows:
        values["status"] = "invalid" if error_count else "valid"
    _progress(batch, **values)
    return batch


def commit(batch: ImportBatch) -> int:
    """Create every row of a valid batch in the caller's transaction; returns how many.

    Everything is validated again first (the database may have changed since the preview):
    if any row is wrong now, nothing is created, the batch becomes "invalid" with its errors,
    and 0 is returned."""
    if batch.status != "valid":
        raise Conflict(gettext("Only a file whose every row is valid can be imported."))
    society = db.session.get(Society, batch.society_id)
    rows = parse(batch.kind, _content(batch))
    loaded, errors = validate_rows(batch.kind, society, rows, 2)
    errors = duplicates_in_file(batch.kind, rows) + errors
    if errors:
        db.session.execute(delete(ImportRowError).where(ImportRowError.batch_id == batch.id))
        _add_errors(batch.id, errors)
        _progress(batch, status="invalid", error_count=len(errors))
        return 0
    build = _member if batch.kind == "members" else _group
    db.session.add_all(build(society, item) for item in loaded)
    db.session.flush()
    batch.status, batch.imported_count = "committed", len(loaded)
    batch.committed_at = datetime.now(timezone.utc)
    db.session.execute(delete(ImportFile).where(ImportFile.batch_id == batch.id))  # personal data not kept
    db.session.flush()
    planner.after_bulk_write(len(loaded), *(("people", "memberships") if batch.kind == "members"
                                           else ("groups", "group_audiences")))
    return len(loaded)


def _member(society: Society, item: dict) -> Membership:
    person = Person(given_name=item["given_name"], family_name=item["family_name"], email=item["email"],
                    phone=item.get("phone"), profession=item["profession"], language=society.default_language)
    return Membership(person=person, society_id=society.id, category=item["category"], joined_on=item["joined_on"])


def _group(society: Society, item: dict) -> Group:
    group = Group(society_id=society.id, **{k: item[k] for k in (
        "name", "city", "country", "format", "language", "rhythm", "session_minutes", "starts_on",
        "accepting_members", "status")})
    group.audiences = [GroupAudience(profession=code) for code in item["audience"]]
    return group


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
    db.session.flush()


def errors_of(batch: ImportBatch, limit: int = 500) -> list[ImportRowError]:
    return list(db.session.scalars(select(ImportRowError).where(ImportRowError.batch_id == batch.id)
                                   .order_by(ImportRowError.row_no, ImportRowError.id).limit(limit)))


def preview(batch: ImportBatch, limit: int = 10) -> list[dict]:
    """The first rows as the file gives them, for the preview table."""
    if batch.status not in ("validating", "valid", "invalid"):
        return []
    return parse(batch.kind, _content(batch))[:limit]


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
