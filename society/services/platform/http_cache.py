"""HTTP caching for the public API: validators from the data, preconditions, and a
small in-process cache of serialised answers.

A representation is identified by the query that asked for it and by the *data
version* of the tables it reads: the latest ``updated_at`` of each (indexed, so a
lookup each), the head of the audit trail (every insert, update and delete made
through the application writes one audit row, so deletions and changes to tables
without timestamps move it too) and the day the answer is about (whether a leader
is accredited changes at midnight with no row changing). One cheap query gives the
version; the ETag and Last-Modified come from it, so every worker computes the same
validators without serialising anything.

Plain functions, no request objects: ``society/api/`` applies them to requests (Werkzeug's
``is_resource_modified`` decides a conditional GET).
"""
import functools
import hashlib
import threading
import time as clock
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from ...extensions import db
from ...models import AuditEvent


@dataclass(frozen=True)
class DataVersion:
    """What a representation depends on: an opaque token and when it last changed.
    ``key`` names it in this process's memo of recent versions (when one is kept)."""

    token: str
    last_modified: datetime
    key: tuple | None = None


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones: make both aware UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def start_of(day: date) -> datetime:
    """Midnight (server time) starting ``day``, in UTC."""
    return datetime.combine(day, time.min).astimezone(timezone.utc)


@functools.cache
def _version_query(models: tuple):
    # Built once per set of tables: SQLAlchemy then reuses its compiled form, which
    # matters on a path that answers most requests with this query alone.
    columns = [select(func.max(AuditEvent.id)).scalar_subquery(),
               select(AuditEvent.occurred_at).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery()]
    columns += [select(func.max(model.updated_at)).scalar_subquery() for model in models]
    return select(*columns)


# Versions read recently in this process: (engine, models, day) -> (monotonic expiry, version).
_recent_versions: dict = {}


@event.listens_for(Engine, "commit")
def _forget_recent_versions(_connection) -> None:
    # A write committed in this process is seen at once; other processes' within ``reuse_for``.
    _recent_versions.clear()


def data_version(models, day: date, *, reuse_for: float = 0) -> DataVersion:
    """The version of the data in ``models`` (each with ``updated_at``) as seen on ``day``, in one
    query (an index lookup per table). With ``reuse_for`` seconds, a version this process read
    that recently is reused, unless it committed a write since: under load the database is
    then asked once a second, not once a request."""
    models = tuple(models)
    if reuse_for <= 0:
        return _read_version(models, day)
    engine = db.engine
    version = recent_version(engine, models, day)
    if version is not None:
        return version
    key = (engine, models, day)
    version = replace(_read_version(models, day), key=key)
    if len(_recent_versions) > 64:
        _recent_versions.clear()
    _recent_versions[key] = (clock.monotonic() + reuse_for, version)
    return version


def recent_version(engine: Engine, models: tuple, day: date) -> DataVersion | None:
    """The version of ``models`` on ``day`` this process read from ``engine`` recently enough to reuse
    (``data_version``), or None: no query, no application context."""
    recent = _recent_versions.get((engine, models, day))
    if recent is not None and clock.monotonic() < recent[0]:
        return recent[1]
    return None


def today() -> date:
    """The day public answers are about: the directory judges accreditation on it, validators include it,
    and the API front repeats an answer only on the day it was built for. One clock for all three."""
    return date.today()


def still_current(version: DataVersion, day: date) -> bool:
    """Whether ``version`` is still the one this process would use for ``day``, without asking
    the database: it is in the memo, not expired, and no write was committed here since."""
    if version.key is None or version.key[2] != day:
        return False
    recent = recent_version(*version.key)
    return recent is not None and recent.token == version.token


def _read_version(models: tuple, day: date) -> DataVersion:
    row = db.session.connection().execute(_version_query(models)).one()
    audit_head, audit_time, *stamps = row
    moments = [as_utc(m) for m in (audit_time, *stamps) if m is not None]
    last_modified = max([start_of(day), *moments]).replace(microsecond=0)
    parts = [day.isoformat(), str(audit_head)] + [m.isoformat() if m else "-" for m in (as_utc(s) for s in stamps)]
    return DataVersion("|".join(parts), last_modified)


def entity_tag(*parts, weak: bool = True) -> str:
    """An ETag from the parts a representation depends on.

    Weak by default: it is computed from the data version and the query, not from
    the bytes, so it promises equivalent content rather than identical octets."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"' if weak else f'"{digest}"'


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    headers: tuple[tuple[str, str], ...]


class AnswerCache:
    """A bounded, thread-safe LRU of serialised answers. Keys must include the data
    version, so an entry is never stale: it just stops being asked for and ages out."""

    def __init__(self, size: int = 256):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> CachedAnswer | None:
        if self.size <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, answer: CachedAnswer) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
