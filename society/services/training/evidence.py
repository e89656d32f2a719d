"""Evidence files attached to training records (a seminar certificate, a supervisor's letter).

Only PDF, PNG and JPEG are kept, recognised by their content signature as well as
their extension, and only up to EVIDENCE_MAX_BYTES. Files live under STORAGE_DIR
(outside the web root) with a random name; the original name is kept for download
only. A file follows its transaction: a new file is removed again if the transaction
rolls back, a replaced or withdrawn file is removed once the change is committed.
"""
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from ...extensions import db
from ..platform import audit
from ..errors import InvalidInput, NotFound

# Content signatures ("magic numbers") of the accepted types.
SIGNATURES = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
STORED_SUFFIX = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
FOLDER = "evidence"


@dataclass(frozen=True)
class Upload:
    """A file as the user sent it: its name and a readable binary stream."""

    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class StoredEvidence:
    path: str  # relative to STORAGE_DIR
    name: str
    content_type: str


def storage_root() -> Path:
    return Path(current_app.config["STORAGE_DIR"]).resolve()


def sniff(head: bytes) -> str | None:
    """The content type the bytes start with, among the accepted ones."""
    for content_type, signature in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def display_name(filename: str) -> str:
    """The user's file name without any directory, control characters or excess length."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip() or "evidence"
    if len(name) > 200:
        stem, suffix = os.path.splitext(name)
        name = stem[: 200 - len(suffix)] + suffix
    return name


def size_text(size: int) -> str:
    """1048576 -> "1 MB", 2048 -> "2 KB"."""
    unit, divisor = ("MB", 1024 * 1024) if size >= 1024 * 1024 else ("KB", 1024)
    return f"{size / divisor:.1f}".rstrip("0").rstrip(".") + " " + unit


def check(upload: Upload, max_bytes: int) -> tuple[bytes, str]:
    """Read and check an upload: (content, content type), or InvalidInput naming the field ``evidence``."""
    suffix = os.path.splitext(upload.filename or "")[1].lower()
    if suffix not in EXTENSIONS:
        raise InvalidInput(_l("Evidence must be a PDF, PNG or JPEG file."), field="evidence")
    content = upload.stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise InvalidInput(_l("The file is larger than %(size)s; attach a smaller one.", size=size_text(max_bytes)),
                           field="evidence")
    if not content:
        raise InvalidInput(_l("The file is empty."), field="evidence")
    content_type = sniff(content[:16])
    if content_type is None or content_type != EXTENSIONS[suffix]:
        raise InvalidInput(_l("The file's content is not a PDF, PNG or JPEG file, whatever its name says."),
                           field="evidence")
    return content, content_type


def store(upload: Upload) -> StoredEvidence:
    """Check an upload and write it under a random name; removed again if the transaction rolls back."""
    content, content_type = check(upload, current_app.config["EVIDENCE_MAX_BYTES"])
    folder = storage_root() / FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    relative = f"{FOLDER}/{secrets.token_hex(16)}{STORED_SUFFIX[content_type]}"
    target = storage_root() / relative
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    _files_to_remove(_ON_ROLLBACK).append(target)
    return StoredEvidence(relative, display_name(upload.filename), content_type)


def discard(relative: str | None) -> None:
    """Remove a stored file once the current transaction commits (a replaced or withdrawn file)."""
    if relative:
        _files_to_remove(_ON_COMMIT).append(storage_root() / relative)


def path_of(relative: str | None) -> Path:
    """The absolute path of a stored file; NotFound when it is missing or outside the storage folder."""
    if not relative:
        raise NotFound(_l("This record has no evidence file."))
    root = storage_root()
    target = (root / relative).resolve()
    if root not in target.parents or not target.is_file():
        raise NotFound(_l("The evidence file is missing."))
    return target


# Files to remove when the transaction ends, kept on the session itself.
_ON_COMMIT, _ON_ROLLBACK = "evidence_remove_on_commit", "evidence_remove_on_rollback"


def _files_to_remove(when: str) -> list:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that its commit or rollback is an event we hear
    return session.info.setdefault(when, [])


def _remove_all(paths) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _commit_files(session) -> None:
    _remove_all(session.info.pop(_ON_COMMIT, []))
    session.info.pop(_ON_ROLLBACK, None)


@event.listens_for(Session, "after_soft_rollback")
def _roll_back_files(session, previous_transaction) -> None:
    if previous_transaction.nested or previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    _remove_all(session.info.pop(_ON_ROLLBACK, []))
    session.info.pop(_ON_COMMIT, None)


def note_download(record, society_id: int | None = None) -> None:
    """Record in the audit trail that someone downloaded a record's evidence (not a row change)."""
    audit.record("evidence_download", entity_type="TrainingRecord", entity_id=record.id, society_id=society_id,
                 details={"name": record.evidence_name})
