"""Certificates: issued when an accreditation is granted or renewed, verified by number.

A certificate is a snapshot: the data it was issued with is kept (``rendered_from``),
so its PDF never changes. What verification says follows the accreditation on the day
asked (suspension, revocation, expiry), using the one definition of validity in
``Accreditation.is_valid_on`` / ``services/accreditation/standing.py``.
"""
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import and_, exists, func, insert, or_, select
from sqlalchemy.orm import joinedload

from ... import signals
from ...extensions import db
from ...formatting import translated
from ...models import Accreditation, AuditEvent, Certificate, Person, RuleSet, RuleSetVersion, Society, User
from ...models.accreditation import VALID_ONCE_STATUSES
from ..platform import audit, webhook_sources, webhooks
from ..accreditation import standing
from ..errors import Conflict, NotFound
from ..platform.exports import batches
from ..platform.text_search import starts_with

# Crockford's base 32: no I, L, O or U, so a number read off paper is typed back right.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_LENGTH = 6
NUMBER_PATTERN = re.compile(r"^([A-Z0-9]{1,12})-(\d{4})-([0-9A-HJKMNP-TV-Z]{6})$")
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
CERTIFICATE_LANGUAGES = ("en", "sv", "de")
# "withdrawn": the holder's personal data was erased on request (services/privacy/erasure.py).
STATUSES = ("valid", "expiring", "expired", "suspended", "revoked", "invalid", "withdrawn")
MAX_SIGNATORIES = 4


# -- numbers ------------------------------------------------------------------

def normalize_number(raw: str | None) -> str | None:
    """The canonical form of a typed certificate number, or None if it cannot be one."""
    text = re.sub(r"\s+", "", raw or "").upper()
    prefix, _, random_part = text.rpartition("-")
    candidate = f"{prefix}-{random_part.translate(_MISREAD)}" if prefix else text
    return candidate if NUMBER_PATTERN.match(candidate) else None


def _random_part() -> str:
    bits = secrets.randbits(5 * NUMBER_LENGTH)  # 32 symbols: five random bits each
    return "".join(NUMBER_ALPHABET[(bits >> (5 * i)) & 31] for i in range(NUMBER_LENGTH))


def new_numbers(prefix: str, count: int) -> list[str]:
    """``count`` unused numbers ``PREFIX-YYYY-XXXXXX`` (about 10^9 per society and year)."""
    chosen: set[str] = set()
    while len(chosen) < count:
        batch = list({f"{prefix}-{_random_part()}" for _ in range(count - len(chosen))} - chosen)
        for start in range(0, len(batch), 1000):
            chunk = set(batch[start:start + 1000])
            taken = set(db.session.scalars(select(Certificate.number).where(Certificate.number.in_(chunk))))
            chosen |= chunk - taken
    return sorted(chosen)


# -- issuing --------------------------------------------------------------------

def _setting(name: str, default):
    return current_app.config.get(name, default) if has_app_context() else default


def certificate_language(person: Person, society: Society) -> str:
    """The holder's language where the society offers it, else the society's, else English."""
    offered = [code for code in society.language_list if code in CERTIFICATE_LANGUAGES]
    for code in (person.language, society.default_language):
        if code in offered:
            return code
    return offered[0] if offered else "en"


def _signatories(society: Society) -> list[dict]:
    lines = [line.strip() for line in (society.certificate_signatories or "").splitlines() if line.strip()]
    result = []
    for line in lines[:MAX_SIGNATORIES]:
        name, _, title = line.partition(",")
        result.append({"name": name.strip()[:120], "title": title.strip()[:160]})
    return result


def snapshot(accreditation: Accreditation, number: str, issued_on: date, language: str) -> dict:
    """What the certificate says, frozen at issue: the PDF is rendered from this alone."""
    person = accreditation.person
    version = accreditation.rule_set_version
    society = version.rule_set.society
    base_url = _setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "number": number,
        "language": language,
        "holder": {"name": person.full_name, "profession": person.profession},
        "credential": translated(version.rule_set, "credential_title", language),
        "rule_set_version": version.label,
        "society": {"code": society.code, "name": society.name, "logo": society.logo_filename},
        "signatories": _signatories(society),
        "granted_on": accreditation.granted_on.isoformat() if accreditation.granted_on else None,
        "issued_on": issued_on.isoformat(),
        "expires_on": accreditation.expires_on.isoformat() if accreditation.expires_on else None,
        "verify_url": f"{base_url}/verify/{number}",
    }


def _same_expiry():
    return or_(and_(Certificate.expires_on.is_(None), Accreditation.expires_on.is_(None)),
               Certificate.expires_on == Accreditation.expires_on)


def _has_current_certificate():
    """SQL: the accreditation already has a certificate for its present grant or renewal."""
    return exists().where(
        Certificate.accreditation_id == Accreditation.id,
        Certificate.revoked_at.is_(None),
        Certificate.issued_on >= Accreditation.granted_on,
        _same_expiry(),
    )


def _issue_many(accreditations: list[Accreditation], issued_on_for, *, bulk: bool = False) -> list:
    """Certificates for ``accreditations``. ``bulk`` inserts rows in one statement, bypassing the
    per-row audit (for loading history such as the demo), and returns the row dicts."""
    by_prefix: dict[str, list[tuple[Accreditation, date]]] = {}
    for accreditation in accreditations:
        issued_on = issued_on_for(accreditation)
        code = accreditation.rule_set_version.rule_set.society.code
        by_prefix.setdefault(f"{code}-{issued_on.year}", []).append((accreditation, issued_on))
    rows = []
    for prefix, items in by_prefix.items():
        for number, (accreditation, issued_on) in zip(new_numbers(prefix, len(items)), items):
            language = certificate_language(accreditation.person, accreditation.rule_set_version.rule_set.society)
            frozen = snapshot(accreditation, number, issued_on, language)
            rows.append(dict(number=number, accreditation_id=accreditation.id, issued_on=issued_on,
                             person_id=accreditation.person_id,
                             society_id=accreditation.rule_set_version.rule_set.society_id,
                             expires_on=accreditation.expires_on, language=language,
                             rendered_from=json.dumps(frozen, ensure_ascii=False)))
    if bulk:
        if rows:
            db.session.execute(insert(Certificate), rows)
        return rows
    issued = [Certificate(**row) for row in rows]
    db.session.add_all(issued)
    db.session.flush()
    return issued


def issue(accreditation: Accreditation, on: date) -> Certificate:
    """The certificate for this grant or renewal: issued now, or the one already issued."""
    if accreditation.granted_on is None or accreditation.status not in VALID_ONCE_STATUSES:
        raise Conflict(gettext("Only a granted accreditation has a certificate."))
    db.session.flush()
    current = db.session.scalar(
        select(Certificate).join(Certificate.accreditation)
        .where(Certificate.accreditation_id == accreditation.id, Certificate.revoked_at.is_(None),
               Certificate.issued_on >= Accreditation.granted_on, _same_expiry())
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc()).limit(1)
    )
    if current is not None:
        return current
    return _issue_many([accreditation], lambda _a: max(on, accreditation.granted_on))[0]


@signals.accreditation_granted.connect
def _issue_on_grant(accreditation, on: date | None = None, **_kwargs):
    # Runs inside the granting transaction; it only flushes.
    issue(accreditation, on or date.today())


def _due(society_id: int, on: date):
    return (
        select(Accreditation)
        .join(Accreditation.rule_set_version).join(RuleSetVersion.rule_set)
        .where(RuleSet.society_id == society_id, Accreditation.status == "granted",
               standing.valid_on(on), ~_has_current_certificate())
    )


def _with_issue_data(statement):
    return statement.options(
        joinedload(Accreditation.person),
        joinedload(Accreditation.rule_set_version).joinedload(RuleSetVersion.rule_set).joinedload(RuleSet.society),
    ).order_by(Accreditation.id)


def count_due(society_id: int, on: date) -> int:
    return db.session.scalar(select(func.count()).select_from(_due(society_id, on).subquery()))


def issue_due(society_id: int, on: date) -> list[Certificate]:
    """Issue a certificate, dated ``on``, to every granted accreditation of the society
    valid on that day that has none for its present grant or renewal."""
    due = list(db.session.scalars(_with_issue_data(_due(society_id, on))).unique())
    return _issue_many(due, lambda _a: on)


def issue_at_grant(society_id: int) -> int:
    """Certificates for every accreditation ever granted without one, dated on the grant, in
    bulk (for loading history, such as the demo; the caller audits the load). Returns how many."""
    statement = (
        select(Accreditation)
        .join(Accreditation.rule_set_version).join(RuleSetVersion.rule_set)
        .where(RuleSet.society_id == society_id, Accreditation.status.in_(VALID_ONCE_STATUSES),
               Accreditation.granted_on.is_not(None), ~_has_current_certificate())
    )
    accreditations = list(db.session.scalars(_with_issue_data(statement)).unique())
    return len(_issue_many(accreditations, lambda a: a.granted_on, bulk=True))


# -- what verification says -------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    number: str
    status: str
    reason: str | None
    holder_name: str
    credential: str
    rule_set_version: str
    society_code: str
    society_name: str
    issued_on: date
    granted_on: date | None
    expires_on: date | None
    checked_on: date
    kind: str = "accreditation"
    # What an attendance certificate covers (None for the other kinds).
    period_start: date | None = None
    period_end: date | None = None
    hours: str | None = None

    @property
    def society(self) -> dict:
        return {"code": self.society_code, "name": self.society_name}


def revoke(certificate: Certificate, reason: str, on: date) -> Certificate:
    """Withdraw one certificate (a misprint, a replacement): verification says "revoked" from now on.
    Announced to webhook subscribers in the same transaction; only flushes."""
    if certificate.revoked_at is not None:
        raise Conflict(gettext("This certificate is revoked already."))
    certificate.revoked_at = datetime.now(timezone.utc)
    certificate.revoked_reason = reason
    db.session.flush()
    # The reason stays inside: it may say more than the public should read.
    webhooks.emit("certificate.revoked", [(society_id_of(certificate), webhook_sources.certificate_data(
        certificate.number, certificate.accreditation_id, on, None))])
    return certificate


def effective_expiry(certificate: Certificate) -> date | None:
    accreditation_expiry = certificate.accreditation.expires_on if certificate.accreditation else None
    days = [d for d in (certificate.expires_on, accreditation_expiry) if d is not None]
    return min(days) if days else None


def status_on(certificate: Certificate, day: date) -> tuple[str, str | None]:
    """(status, public reason) of a certificate on ``day``, from its accreditation.

    Valid or expiring exactly when ``Accreditation.is_valid_on`` (the directory's rule,
    ``standing.valid_on``) holds and the certificate's own expiry has not passed; otherwise
    the status names why not, a decision (suspension, revocation) before a date.
    A participant's certificate records what happened: valid unless revoked."""
    accreditation = certificate.accreditation
    if certificate.revoked_at is not None:
        holder = accreditation.person if accreditation is not None else certificate.person
        return ("withdrawn" if holder is not None and holder.erased_at is not None else "revoked"), None
    if accreditation is None:
        return "valid", None
    expiry = effective_expiry(certificate)
    if accreditation.is_valid_on(day) and (expiry is None or day <= expiry):
        lead = max(accreditation.rule_set_version.warning_day_list, default=0)
        if expiry is not None and (expiry - day).days <= lead:
            return "expiring", None
        return "valid", None
    if accreditation.ended_by_decision_on(day):
        status = "revoked" if accreditation.status == "revoked" else "suspended"
        return status, accreditation.public_reason
    if accreditation.status == "expired" or (expiry is not None and day > expiry):
        return "expired", None
    return "invalid", None


def _frozen(certificate: Certificate) -> dict:
    return certificate.printed


def _with_verification_data(statement):
    return statement.options(
        joinedload(Certificate.person), joinedload(Certificate.society),
        joinedload(Certificate.accreditation).joinedload(Accreditation.person),
        joinedload(Certificate.accreditation).joinedload(Accreditation.rule_set_version)
        .joinedload(RuleSetVersion.rule_set).joinedload(RuleSet.society),
    )


def find(number: str) -> Certificate:
    canonical = normalize_number(number)
    certificate = canonical and db.session.scalar(
        _with_verification_data(select(Certificate).where(Certificate.number == canonical)))
    if not certificate:
        raise NotFound(gettext("No certificate has this number."))
    return certificate


def verification_of(certificate: Certificate, day: date) -> Verification:
    status, reason = status_on(certificate, day)
    frozen, accreditation = _frozen(certificate), certificate.accreditation
    if accreditation is None:
        return _participant_verification(certificate, frozen, status, day)
    version = accreditation.rule_set_version
    society = version.rule_set.society
    return Verification(
        number=certificate.number, status=status, reason=reason,
        # The name as printed on the certificate (erasure blanks the snapshot, then the person).
        holder_name="" if accreditation.person.erased_at is not None
        else frozen.get("holder", {}).get("name") or accreditation.person.full_name,
        credential=frozen.get("credential") or version.rule_set.credential_title,
        rule_set_version=frozen.get("rule_set_version") or version.label,
        society_code=society.code, society_name=society.name,
        issued_on=certificate.issued_on, granted_on=accreditation.granted_on,
        expires_on=effective_expiry(certificate), checked_on=day,
    )


def _participant_verification(certificate: Certificate, frozen: dict, status: str, day: date) -> Verification:
    """An attendance or participant credential certificate: what it states, as printed."""
    return Verification(
        number=certificate.number, status=status, reason=None,
        holder_name="" if certificate.person.erased_at is not None
        else (frozen.get("holder") or {}).get("name") or certificate.person.full_name,
        credential=frozen.get("credential") or "", rule_set_version=frozen.get("rule_set_version") or "",
        society_code=certificate.society.code, society_name=certificate.society.name,
        issued_on=certificate.issued_on, granted_on=None, expires_on=certificate.expires_on, checked_on=day,
        kind=certificate.kind, period_start=certificate.period_start, period_end=certificate.period_end,
        hours=frozen.get("hours"),
    )


def verify(number: str, day: date) -> Verification:
    """What anyone may learn about a certificate by its number on ``day``; NotFound otherwise."""
    return verification_of(find(number), day)


# -- who may see what ---------------------------------------------------------------

def society_id_of(certificate: Certificate) -> int:
    return certificate.society_id


DOWNLOAD_ACTION = "certificate_download"


@dataclass(frozen=True)
class Downloadable:
    """What a download needs to know about a certificate, read in one light query."""

    id: int
    number: str
    society_id: int
    pdf_path: str | None
    pdf_sha256: str | None
    audited: bool = False  # this user's download is in the audit trail for the day already


def _downloaded_by(user_id: int, day: date):
    """EXISTS: the audit trail holds ``user_id``'s download of the certificate on ``day`` (UTC)."""
    start = datetime.combine(day, time.min, tzinfo=timezone.utc)
    return exists().where(
        AuditEvent.entity_type == "Certificate", AuditEvent.entity_id == Certificate.id,
        AuditEvent.occurred_at >= start, AuditEvent.occurred_at < start + timedelta(days=1),
        AuditEvent.action == DOWNLOAD_ACTION, AuditEvent.actor_user_id == user_id,
    )


def for_download(number: str, user: User, day: date) -> Downloadable:
    """The certificate if ``user`` holds it or administers its society; NotFound for anyone else,
    so a number's existence is not confirmed to them. Also says, in the same query, whether the
    user's download on ``day`` (UTC) is audited already."""
    canonical = normalize_number(number)
    row = canonical and db.session.execute(
        select(Certificate.id, Certificate.number, Certificate.society_id, Certificate.person_id,
               Certificate.pdf_path, Certificate.pdf_sha256, _downloaded_by(user.id, day).label("audited"))
        .where(Certificate.number == canonical)
    ).first()
    if not row:
        raise NotFound(gettext("No certificate has this number."))
    holder = user.person_id is not None and user.person_id == row.person_id
    administrator = user.role == "admin" and user.society_id == row.society_id
    if not (holder or administrator):
        raise NotFound(gettext("No certificate has this number."))
    return Downloadable(row.id, row.number, row.society_id, row.pdf_path, row.pdf_sha256, bool(row.audited))


def record_download(certificate_id: int, number: str, society_id: int) -> None:
    """Audit a download: certificates are personal data, so who fetched one, and on which days,
    is kept. The view records a user's first download of a certificate each day (UTC); fetching
    the same file again that day adds nothing to know and would cost every download a write."""
    audit.record(DOWNLOAD_ACTION, entity_type="Certificate", entity_id=certificate_id,
                 society_id=society_id, details={"number": number})


def of_person(person_id: int):
    """Statement: a person's certificates, newest first."""
    return _with_verification_data(
        select(Certificate).where(Certificate.person_id == person_id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc()))


def of_society(society_id: int, query: str | None = None, issued_on: date | None = None):
    """Statement: a society's certificates, newest first, optionally searched by number or holder."""
    statement = select(Certificate).join(Certificate.person).where(Certificate.society_id == society_id)
    if issued_on is not None:
        statement = statement.where(Certificate.issued_on == issued_on)
    if query:
        text = query.strip().lower()
        number = normalize_number(query)
        holder = func.lower(Person.given_name + " " + Person.family_name)
        statement = statement.where(or_(
            Certificate.number == number if number else starts_with(Certificate.number, text.upper()),
            holder.contains(text, autoescape=True),
        ))
    return _with_verification_data(statement.order_by(Certificate.issued_on.desc(), Certificate.id.desc()))


EXPORT_COLUMNS = ("number", "holder", "credential", "rule_set_version", "issued_on", "expires_on", "status", "language")


def export_rows(society_id: int, day: date, query: str | None = None, issued_on: date | None = None) -> Iterator[list]:
    """Every certificate ``of_society`` lists, in its order, with its status on ``day``."""
    for certificates in batches(of_society(society_id, query, issued_on)):
        for c in certificates:
            if c.accreditation is not None:
                version = c.accreditation.rule_set_version
                credential, label = version.rule_set.credential_title, version.label
            else:
                credential, label = c.printed.get("credential", ""), c.printed.get("rule_set_version", "")
            yield [c.number, c.person.full_name, credential, label,
                   c.issued_on, c.expires_on, status_on(c, day)[0], c.language]


def _issued_by(society_id: int, day: date):
    return select(Certificate).where(Certificate.society_id == society_id, Certificate.issued_on == day)


def count_issued(society_id: int, day: date) -> tuple[int, int]:
    """(certificates issued on ``day``, how many of them have their PDF rendered)."""
    issued = _issued_by(society_id, day).subquery()
    total, rendered = db.session.execute(
        select(func.count(), func.count(issued.c.pdf_sha256)).select_from(issued)).one()
    return total, rendered


def next_unrendered(society_id: int, day: date) -> Certificate | None:
    return db.session.scalar(_issued_by(society_id, day).where(Certificate.pdf_sha256.is_(None))
                             .order_by(Certificate.id).limit(1))


def record_zip(society_id: int, day: date, count: int) -> None:
    audit.record("certificates_zip", entity_type="Society", entity_id=society_id, society_id=society_id,
                 details={"issued_on": day.isoformat(), "certificates": count})
