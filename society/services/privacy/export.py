"""Everything the registry holds about a person, as JSON (and a zip with their files).

The rows come from the inventory (every table owned by the person, with every column but the
secrets), plus what points at the person without a foreign key: flags about them, log-ins and
the audit events about their rows or done by their login. Each export is an audit event.
"""
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import AuditEvent, Flag, Group, GroupSession, Person, User
from ..errors import NotFound
from ..platform import audit
from . import inventory

FORMAT = "balint-registry-personal-data/1"
LOGIN_ACTIONS = ("login", "logout", "login_failed", "twofactor_failed", "recovery_code_used")
# Flags name their subject by type and id, without a foreign key.
FLAG_SUBJECTS = {"person": "people", "membership": "memberships", "accreditation": "accreditations"}


def plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(mapping) -> dict:
    return {key: plain(value) for key, value in mapping.items() if key not in inventory.SECRET_COLUMNS}


def find_person(email: str) -> Person:
    """The person with this e-mail address, on their record or as their login; NotFound otherwise."""
    wanted = email.strip().lower()
    person = db.session.scalar(select(Person).where(func.lower(Person.email) == wanted))
    if person is None:
        person = db.session.scalar(select(Person).join(User, User.person_id == Person.id)
                                   .where(func.lower(User.email) == wanted))
    if person is None:
        raise NotFound(gettext("Nobody in the registry has this e-mail address."))
    return person


def owned_rows(person_id: int) -> dict[str, list[dict]]:
    """The person's rows in every table the inventory says they own, by table name."""
    rows: dict[str, list[dict]] = {}
    ids: dict[str, list] = {}
    for owned in inventory.owned_tables():
        name = owned.table.name
        if owned.parent is None:
            condition = owned.column == person_id
        elif ids.get(owned.parent):
            condition = owned.column.in_(ids[owned.parent])
        else:
            rows[name], ids[name] = [], []
            continue
        found = [dict(row) for row in db.session.execute(select(owned.table).where(condition)).mappings()]
        key = inventory.primary_key(owned.table)
        rows[name] = found
        ids[name] = [row[key.name] for row in found] if key is not None else []
    return rows


def emails_of(rows: dict[str, list[dict]]) -> set[str]:
    found = {row["email"] for row in rows["people"] + rows.get("users", []) if row.get("email")}
    return {email.lower() for email in found}


def flags_about(rows: dict[str, list[dict]]):
    """Condition on Flag: its subject is the person, one of their memberships or accreditations."""
    conditions = [(Flag.subject_type == subject) & Flag.subject_id.in_([row["id"] for row in rows[table]])
                  for subject, table in FLAG_SUBJECTS.items() if rows.get(table)]
    return or_(*conditions) if conditions else None


def audit_events_about(rows: dict[str, list[dict]]):
    """Condition on AuditEvent: about one of the person's rows, or done by (or typed as) their login."""
    conditions = []
    for owned in inventory.owned_tables():
        key, model = inventory.primary_key(owned.table), inventory.model_name(owned.table)
        found = rows.get(owned.table.name)
        if key is not None and model and found:
            conditions.append((AuditEvent.entity_type == model)
                              & AuditEvent.entity_id.in_([row[key.name] for row in found]))
    user_ids = [row["id"] for row in rows.get("users", [])]
    if user_ids:
        conditions.append(AuditEvent.actor_user_id.in_(user_ids))
    emails = emails_of(rows)
    if emails:
        conditions.append(func.lower(AuditEvent.actor_label).in_(emails))
    return or_(*conditions)


def _context(rows: dict[str, list[dict]]) -> dict:
    """The groups and sessions the person's rows point at, so ids read as names and dates."""
    session_ids = {row["session_id"] for row in rows.get("attendance", [])}
    sessions = [dict(row) for row in db.session.execute(
        select(GroupSession.id, GroupSession.group_id, GroupSession.held_on, GroupSession.minutes, GroupSession.format)
        .where(GroupSession.id.in_(session_ids)).order_by(GroupSession.held_on)).mappings()] if session_ids else []
    group_ids = {row["group_id"] for table in ("group_leaders", "group_participants", "training_records")
                 for row in rows.get(table, []) if row.get("group_id")} | {row["group_id"] for row in sessions}
    groups = [dict(row) for row in db.session.execute(
        select(Group.id, Group.name, Group.society_id).where(Group.id.in_(group_ids)).order_by(Group.name)
    ).mappings()] if group_ids else []
    return {"groups": [_row(g) for g in groups], "sessions": [_row(s) for s in sessions]}


def export(person: Person) -> dict:
    """Everything held about ``person`` (secrets excepted), ready for ``json.dumps``."""
    rows = owned_rows(person.id)
    about = flags_about(rows)
    flags = [] if about is None else [_row(row) for row in db.session.execute(
        select(Flag.__table__).where(about).order_by(Flag.raised_at)).mappings()]
    events = [_row(row) for row in db.session.execute(
        select(AuditEvent.__table__).where(audit_events_about(rows)).order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).mappings()]
    for event in events:
        if event.get("changes"):
            event["changes"] = json.loads(event["changes"])
    tables = {name: [_row(row) for row in found] for name, found in rows.items() if name != "people"}
    return {
        "format": FORMAT,
        "exported_at": plain(datetime.now().astimezone()),
        "person": _row(rows["people"][0]),
        "personal_columns": inventory.marked(),
        "tables": tables,
        "context": _context(rows),
        "flags": flags,
        "logins": [event for event in events if event["action"] in LOGIN_ACTIONS],
        "audit_events": [event for event in events if event["action"] not in LOGIN_ACTIONS],
    }


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def record(person: Person, form: str) -> None:
    """The export in the audit trail: who exported whose data, in which form (json, zip, cli)."""
    audit.record("privacy_export", entity_type="Person", entity_id=person.id, details={"form": form})


def _evidence_files(data: dict):
    from ..training import evidence

    for table, folder in (("training_records", "evidence"), ("person_qualifications", "evidence/qualifications")):
        for record_ in data["tables"].get(table, []):
            if not record_.get("evidence_path"):
                continue
            try:
                path = evidence.path_of(record_["evidence_path"])
            except NotFound:
                continue
            yield f"{folder}/{record_['id']}-{evidence.display_name(record_.get('evidence_name') or path.name)}", path


def _certificate_pdfs(person: Person):
    from ..certificates import issuing, pdf

    for certificate in db.session.scalars(issuing.of_person(person.id)).unique():
        stored = pdf.cached(certificate)
        content = stored.path.read_bytes() if stored is not None else pdf.render(certificate)
        yield f"certificates/{certificate.number}.pdf", content


def zip_bytes(person: Person, data: dict) -> bytes:
    """The JSON with the person's evidence files and certificate PDFs, as one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", as_json(data))
        for name, path in _evidence_files(data):
            archive.write(path, name)
        for name, content in _certificate_pdfs(person):
            archive.writestr(name, content)
    return buffer.getvalue()
