"""A certificate's PDF: rendered once from its snapshot, stored by content, optionally signed.

The HTML comes from a Jinja template per society (``templates/certificates/pdf/<code>.html``,
else ``default.html``) with autoescaping, fed plain data from the certificate's snapshot,
never ORM objects. Rendering goes through ``services/certificates/rendering.py`` (package files only,
a time limit). The PDF is stored under STORAGE_DIR by its sha256, so a download after the
first never renders again, and the digest doubles as the HTTP ETag.
"""
import hashlib
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app, render_template
from sqlalchemy import bindparam, select, update

from ...extensions import db
from ...models import Certificate
from . import rendering, signing

TEMPLATE_DIR = "certificates/pdf"
STYLESHEET = "certificates/certificate.css"
USER_AGENT_STYLESHEET = "certificates/user-agent.css"  # in place of WeasyPrint's HTML defaults
WORDING_FILE = Path(__file__).resolve().parents[2] / "templates" / TEMPLATE_DIR / "wording.json"
PARTICIPANT_KINDS = ("attendance", "participant_credential")
LOGO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.(svg|png|jpg)$")


@dataclass(frozen=True)
class StoredPdf:
    path: Path
    sha256: str


@lru_cache(maxsize=1)
def wording() -> dict:
    return json.loads(WORDING_FILE.read_text(encoding="utf-8"))


def _long_date(value: str | None, language: str) -> str | None:
    return format_date(date.fromisoformat(value), format="long", locale=language) if value else None


def _address_pieces(url: str) -> list[tuple[str, bool]]:
    """The verification URL in pieces that end after a slash, each with whether the template must
    keep it on one line (it holds a hyphen). A long address then wraps after a slash, never at a
    hyphen in the host or the certificate number: a reader copying an address broken at a hyphen
    drops the hyphen. Only those pieces get a box of their own: each costs the render time."""
    return [(piece, "-" in piece) for piece in re.findall(r"[^/]*/+|[^/]+$", url)]


def template_context(frozen: dict) -> dict:
    language = frozen.get("language") if frozen.get("language") in wording() else "en"
    words = wording()[language]
    logo = (frozen.get("society") or {}).get("logo")
    if frozen.get("kind") in PARTICIPANT_KINDS:
        dates = _participant_dates(frozen, words, language)
    else:
        granted_on = _long_date(frozen.get("granted_on"), language)
        dates = [(words["granted_on"], granted_on)] if granted_on else []
        dates += [(words["issued_on"], _long_date(frozen.get("issued_on"), language)),
                  (words["expires_on"], _long_date(frozen.get("expires_on"), language) or words["no_expiry"]),
                  (words["number"], frozen.get("number"))]
    return {
        "c": frozen,
        "w": words,
        "lang": language,
        "profession": words["professions"].get((frozen.get("holder") or {}).get("profession"), ""),
        "dates": dates,  # (label, value) lines of the footer
        # Only a plain file name under static/logos/; anything else is not offered to the fetcher at all.
        "logo": f"logos/{logo}" if logo and LOGO_NAME.match(logo) else None,
        # The renderer draws the QR code from this URL (a PNG of the verification URL).
        "qr": rendering.qr_url(frozen["verify_url"]),
        "verify_at": _address_pieces(frozen["verify_url"]),
        "attendance": _attendance_lines(frozen, words, language),
    }


def _number(value, language: str) -> str:
    return format_decimal(Decimal(str(value or 0)), format="#,##0.##", locale=language)


def _participant_dates(frozen: dict, words: dict, language: str) -> list[tuple[str, str]]:
    return [(words["issued_on"], _long_date(frozen.get("issued_on"), language)), (words["number"], frozen.get("number"))]


def _attendance_lines(frozen: dict, words: dict, language: str) -> list[str]:
    """The hours, sessions, CME points and groups an attendance certificate states."""
    if frozen.get("kind") not in PARTICIPANT_KINDS or "hours" not in frozen:
        return []
    period = frozen.get("period") or {}
    lines = [f'{words["period"]}: ' + words["period_value"] % {
        "start": _long_date(period["start"], language), "end": _long_date(period["end"], language)}] if period else []
    lines += [words["attendance_summary"] % {
        "hours": _number(frozen["hours"], language), "sessions": frozen.get("sessions", 0),
        "in_person": _number(frozen.get("in_person_hours"), language)}]
    if frozen.get("cme_points") is not None:
        lines.append(words["cme_points"] % {"points": _number(frozen["cme_points"], language)})
    if frozen.get("groups"):
        lines.append(words["in_groups"] % {"groups": ", ".join(frozen["groups"])})
    return lines


def template_names(frozen: dict) -> list[str]:
    """The society's own certificate template, else the default."""
    code = re.sub(r"[^a-z0-9_-]", "", str((frozen.get("society") or {}).get("code", "")).lower())
    templates = [f"{TEMPLATE_DIR}/{code}.html"] if code else []
    return templates + [f"{TEMPLATE_DIR}/default.html"]


def html_for(frozen: dict) -> str:
    return render_template(template_names(frozen), **template_context(frozen))


def snapshot_of(certificate: Certificate) -> dict:
    if not certificate.rendered_from:
        raise ValueError(f"Certificate {certificate.number} has no snapshot to render from.")
    return json.loads(certificate.rendered_from)


def render_html(html: str) -> rendering.Rendered:
    """A certificate's HTML as PDF, in the renderer kept for certificates (their stylesheet and defaults)."""
    limit = current_app.config.get("CERTIFICATE_RENDER_SECONDS", rendering.DEFAULT_TIME_LIMIT)
    return rendering.render_pdf(html, stylesheet=STYLESHEET, user_agent=USER_AGENT_STYLESHEET, time_limit=limit)


def render(certificate: Certificate) -> bytes:
    """The certificate's PDF bytes, signed where its society has a signing key."""
    frozen = snapshot_of(certificate)
    pdf = render_html(html_for(frozen)).pdf
    signer = signing.signer_for(frozen["society"]["code"], current_app.config.get("CERTIFICATE_SIGNING") or {})
    if signer is not None:
        pdf = signing.sign(pdf, signer, reason=f"Certificate {certificate.number}", location=frozen["society"]["name"])
    return pdf


def _storage_root() -> Path:
    return Path(current_app.config["STORAGE_DIR"]).resolve()


def _relative_path(sha256: str) -> str:
    return f"certificates/{sha256[:2]}/{sha256}.pdf"


def store(pdf: bytes) -> StoredPdf:
    """Write ``pdf`` under STORAGE_DIR by its digest (atomically; the same bytes land once)."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    path = _storage_root() / _relative_path(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(pdf)
        os.replace(temporary, path)
    return StoredPdf(path, sha256)


def _stored_at(relative: str | None, sha256: str | None) -> StoredPdf | None:
    if not relative or not sha256:
        return None
    path = (_storage_root() / relative).resolve()
    if not path.is_relative_to(_storage_root()) or not path.is_file():
        return None
    return StoredPdf(path, sha256)


def cached(certificate) -> StoredPdf | None:
    """The stored PDF of a certificate (anything with ``pdf_path`` and ``pdf_sha256``), if rendered before."""
    return _stored_at(certificate.pdf_path, certificate.pdf_sha256)


def render_and_store(certificate: Certificate) -> StoredPdf:
    """Render and store, without touching the database (the caller remembers it in a write)."""
    return store(render(certificate))


def remember(certificate_id: int, stored: StoredPdf) -> StoredPdf:
    """Record the stored PDF on the certificate, unless another request recorded one first,
    in which case that one is kept and returned (the PDF of a certificate never changes)."""
    result = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate_id, Certificate.pdf_sha256.is_(None))
        .values(pdf_sha256=stored.sha256, pdf_path=_relative_path(stored.sha256))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        return stored
    row = db.session.execute(
        select(Certificate.pdf_path, Certificate.pdf_sha256).where(Certificate.id == certificate_id)).one()
    return _stored_at(row.pdf_path, row.pdf_sha256) or stored


def ensure(certificate: Certificate) -> StoredPdf:
    """The certificate's stored PDF, rendered now if it never was (call inside a write)."""
    stored = cached(certificate)
    if stored is None:
        stored = remember(certificate.id, render_and_store(certificate))
        db.session.expire(certificate, ["pdf_sha256", "pdf_path"])
    return stored


def render_missing(certificates: list[Certificate], progress=None) -> tuple[dict[int, StoredPdf], dict[int, StoredPdf]]:
    """Render and store the PDFs not stored yet, touching no table (so no lock is held while
    rendering). Returns (every certificate's PDF by id, the newly rendered ones by id)."""
    every, new = {}, {}
    for certificate in certificates:
        stored = cached(certificate)
        if stored is None:
            stored = new[certificate.id] = render_and_store(certificate)
        every[certificate.id] = stored
        if progress:
            progress(1)
    return every, new


def remember_all(new: dict[int, StoredPdf]) -> None:
    """Record newly rendered PDFs in one statement; certificates that gained one meanwhile keep theirs."""
    if not new:
        return
    table = Certificate.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("certificate_id"), table.c.pdf_sha256.is_(None))
        .values(pdf_sha256=bindparam("sha256"), pdf_path=bindparam("path")),
        [{"certificate_id": cid, "sha256": s.sha256, "path": _relative_path(s.sha256)} for cid, s in new.items()],
    )


def write_zip(files: list[tuple[str, StoredPdf]], target) -> int:
    """Write (number, stored PDF) pairs into a zip at ``target`` (a path or a binary file)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, stored in files:
            archive.write(stored.path, arcname=f"{number}.pdf")
    return len(files)
