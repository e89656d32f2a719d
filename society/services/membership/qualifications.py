"""A person's qualifications: the facts rules look at (a psychotherapy qualification and its date...).

Administrators of the person's society add, edit, verify and remove them; the person may attach
evidence to their own. Only verified qualifications count (``verified_qualifications``), and
nobody verifies their own: an administrator whose login is the person's is refused. Changing
what was verified (code, dates, evidence) makes it unverified again. A qualification may say when
its training began (``training_started_on``, never after it was obtained): rules that count "during
or after that training" start there. Every change is on the audit
trail through the flush hook; evidence files are kept like training records' (``training.evidence``).
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Person, PersonQualification, User
from ...models._base import utcnow
from ...models.qualifications import QUALIFICATION_CODES
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..platform import audit
from ..training import evidence

__all__ = ["QUALIFICATION_CODES", "verified_qualifications"]

# Changing one of these after verification makes the qualification a claim again.
VERIFIED_FACTS = ("code", "obtained_on", "training_started_on")


def verified_qualifications(person_ids: list[int]) -> dict[int, list[tuple[str, date, date | None]]]:
    """Each person's verified qualifications as (code, obtained on, training started on or None),
    oldest first, in one query; people without any are absent."""
    found: dict[int, list[tuple[str, date, date | None]]] = {}
    if not person_ids:
        return found
    rows = db.session.execute(
        select(PersonQualification.person_id, PersonQualification.code, PersonQualification.obtained_on,
               PersonQualification.training_started_on)
        .where(PersonQualification.person_id.in_(set(person_ids)), PersonQualification.verified_at.is_not(None))
        .order_by(PersonQualification.person_id, PersonQualification.obtained_on, PersonQualification.code))
    for person_id, code, obtained_on, training_started_on in rows:
        found.setdefault(person_id, []).append((code, obtained_on, training_started_on))
    return found


def qualifications_of(person_id: int) -> list[PersonQualification]:
    """The person's qualifications, oldest first."""
    return list(db.session.scalars(select(PersonQualification).where(PersonQualification.person_id == person_id)
                                   .order_by(PersonQualification.obtained_on, PersonQualification.id)))


def qualification_of(person_id: int, qualification_id: int) -> PersonQualification:
    """The person's qualification with this id; NotFound for anyone else's."""
    qualification = db.session.get(PersonQualification, qualification_id)
    if qualification is None or qualification.person_id != person_id:
        raise NotFound(_l("No such qualification."))
    return qualification


def add_qualification(person: Person, data: dict, by: User) -> PersonQualification:
    """Record a qualification of the person (unverified), with its evidence file if one came."""
    _ensure_new_code(person.id, data["code"])
    qualification = PersonQualification(person_id=person.id, code=data["code"], obtained_on=data["obtained_on"],
                                        training_started_on=data.get("training_started_on"),
                                        note=data.get("note"), recorded_by_id=by.id)
    _attach(qualification, data.get("evidence"))
    db.session.add(qualification)
    db.session.flush()
    return qualification


def update_qualification(qualification: PersonQualification, data: dict) -> PersonQualification:
    """Change a qualification; changing its code, date or evidence makes it unverified again."""
    _ensure_current(qualification, data.get("version"))
    if data["code"] != qualification.code:
        _ensure_new_code(qualification.person_id, data["code"])
    changed = any(data.get(name) != getattr(qualification, name) for name in VERIFIED_FACTS)
    qualification.code, qualification.obtained_on, qualification.note = data["code"], data["obtained_on"], data.get("note")
    qualification.training_started_on = data.get("training_started_on")
    if data.get("remove_evidence") and not data.get("evidence") and qualification.evidence_path:
        evidence.discard(qualification.evidence_path)
        qualification.evidence_path = qualification.evidence_name = qualification.evidence_type = None
        changed = True
    changed = _attach(qualification, data.get("evidence")) or changed
    if changed:
        _unverify(qualification)
    db.session.flush()
    return qualification


def attach_own_evidence(qualification: PersonQualification, person: Person, upload: evidence.Upload | None,
                        version: int | None = None) -> PersonQualification:
    """The person attaches evidence to their own qualification; it then waits for verification again."""
    if qualification.person_id != person.id:
        raise Forbidden(_l("This is not your qualification."))
    if upload is None:
        raise InvalidInput(_l("Choose a file to attach."), field="evidence")
    _ensure_current(qualification, version)
    _attach(qualification, upload)
    _unverify(qualification)
    db.session.flush()
    return qualification


def verify(qualification: PersonQualification, by: User) -> PersonQualification:
    """An administrator vouches for the qualification; never the person themselves."""
    if by.role != "admin":
        raise Forbidden(_l("Only an administrator of the society verifies qualifications."))
    if by.person_id is not None and by.person_id == qualification.person_id:
        raise Forbidden(_l("You cannot verify your own qualification; another administrator must."))
    if qualification.verified:
        raise Conflict(_l("This qualification has been verified already."))
    qualification.verified_by_id, qualification.verified_at = by.id, utcnow()
    db.session.flush()
    return qualification


def remove_qualification(qualification: PersonQualification) -> None:
    """Delete a qualification with its evidence file."""
    evidence.discard(qualification.evidence_path)
    db.session.delete(qualification)
    db.session.flush()


def _ensure_new_code(person_id: int, code: str) -> None:
    taken = db.session.scalar(select(PersonQualification.id).where(
        PersonQualification.person_id == person_id, PersonQualification.code == code))
    if taken is not None:
        raise InvalidInput(_l("This qualification is recorded already; edit it instead."), field="code")


def _ensure_current(qualification: PersonQualification, version: int | None) -> None:
    if version is not None and version != qualification.version_id:
        raise Conflict(_l("Someone else changed this qualification meanwhile; reload the page to see it."))


def _attach(qualification: PersonQualification, upload: evidence.Upload | None) -> bool:
    """Store a new evidence file in place of the old one; whether there was one."""
    if upload is None:
        return False
    stored = evidence.store(upload)
    evidence.discard(qualification.evidence_path)
    qualification.evidence_path, qualification.evidence_name, qualification.evidence_type = (
        stored.path, stored.name, stored.content_type)
    return True


def _unverify(qualification: PersonQualification) -> None:
    qualification.verified_by_id = qualification.verified_at = None


def note_download(qualification: PersonQualification, society_id: int | None = None) -> None:
    """Record in the audit trail that someone downloaded a qualification's evidence (not a row change)."""
    audit.record("evidence_download", entity_type="PersonQualification", entity_id=qualification.id,
                 society_id=society_id, details={"name": qualification.evidence_name})
