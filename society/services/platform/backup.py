"""Backups an operator can follow: a consistent copy of the database and the storage folder,
and a restore that checks what it restored.

``make_backup(folder)`` writes one new folder ``backup-YYYYMMDDTHHMMSSZ`` holding:

- the database: SQLite through its online backup API (a consistent copy while writers go on,
  never a copy of a live WAL file), PostgreSQL through ``pg_dump -Fc`` (one snapshot);
- ``storage/``: the evidence files and rendered certificates (``STORAGE_DIR``), copied after
  the database, so every file the copy refers to is there (files written later may be too);
- ``manifest.json``: when, which database, the migration revision, and the row count of every
  table in the copy itself (read from the copy, not from the live database, so they agree).

``restore(backup, database_url, storage_dir)`` checks the backup's revision against this code's
migration head, loads the copy into an empty database and the storage folder, and compares
the row counts with the manifest; it refuses a database that already holds tables.
The secret key and signing keys live outside the database: the README says to keep them too.
"""
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from ..errors import InvalidInput

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
POSTGRES_FILE = "database.dump"


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    database: str
    revision: str | None
    counts: dict[str, int]
    files: int

    def as_dict(self) -> dict:
        return {"folder": str(self.folder), "database": self.database, "revision": self.revision,
                "tables": len(self.counts), "rows": sum(self.counts.values()), "files": self.files}


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_path(url: str) -> str:
    return make_url(url).database


def _libpq_url(url: str) -> str:
    """pg_dump and pg_restore take a libpq address: no SQLAlchemy driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on PATH, in PG_BINDIR, or the newest Debian install."""
    candidates = [os.environ.get("PG_BINDIR", ""), *os.environ.get("PATH", "").split(os.pathsep)]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for folder in candidates:
        tool = Path(folder) / name
        if folder and tool.is_file() and os.access(tool, os.X_OK):
            return str(tool)
    raise InvalidInput(f"{name} was not found: install the PostgreSQL client tools (or set PG_BINDIR).")


def table_counts(url: str) -> dict[str, int]:
    """Rows in every table of the database at ``url`` (migrations' own table included)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            return {name: connection.scalar(text(f'SELECT COUNT(*) FROM "{name}"')) for name in names}
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return None
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _copy_sqlite(source_path: str, target_path: Path) -> None:
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        with target:
            # One step, in one read transaction: in WAL mode writers go on meanwhile, and a copy
            # made in several steps would restart whenever one of them wrote.
            source.backup(target)
    finally:
        target.close()
        source.close()


def _count_files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


def make_backup(destination: str | Path, database_url: str, storage_dir: str | Path,
                now: datetime | None = None) -> BackupReport:
    """Write a new backup folder under ``destination``; what it holds."""
    now = now or datetime.now(timezone.utc)
    folder = Path(destination) / f"backup-{now.strftime('%Y%m%dT%H%M%SZ')}"
    folder.mkdir(parents=True, exist_ok=False)
    if _is_sqlite(database_url):
        copy = folder / SQLITE_FILE
        _copy_sqlite(_sqlite_path(database_url), copy)
        copy_url, kind = f"sqlite:///{copy}", "sqlite"
        counts, revision = table_counts(copy_url), revision_of(copy_url)
    else:
        kind = "postgresql"
        subprocess.run([postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(folder / POSTGRES_FILE),
                        _libpq_url(database_url)], check=True, capture_output=True)
        counts, revision = _dump_counts(folder / POSTGRES_FILE, database_url)
    storage = Path(storage_dir)
    if storage.exists():
        shutil.copytree(storage, folder / "storage", ignore=shutil.ignore_patterns("*.part", ".health-*"))
    files = _count_files(folder / "storage")
    manifest = {"created_at": now.isoformat(), "database": kind, "revision": revision, "counts": counts,
                "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return BackupReport(folder, kind, revision, counts, files)


def _dump_counts(dump: Path, database_url: str) -> tuple[dict[str, int], str | None]:
    """The row counts of a PostgreSQL dump, read by restoring it into a scratch database on the
    same server, so the manifest describes the dump itself (pg_dump's snapshot), not the live data."""
    scratch = f"backup_check_{os.getpid()}_{int(datetime.now().timestamp())}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{scratch}"'))
        scratch_url = make_url(database_url).set(database=scratch).render_as_string(hide_password=False)
        try:
            _pg_restore(dump, scratch_url)
            return table_counts(scratch_url), revision_of(scratch_url)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _pg_restore(dump: Path, database_url: str) -> None:
    subprocess.run([postgres_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname",
                    _libpq_url(database_url), str(dump)], check=True, capture_output=True)


def _holds_tables(url: str) -> bool:
    if _is_sqlite(url) and not Path(_sqlite_path(url)).exists():
        return False
    return bool(table_counts(url))


def read_manifest(backup: str | Path) -> dict:
    path = Path(backup) / MANIFEST
    if not path.is_file():
        raise InvalidInput(f"{backup} is not a backup folder: it has no {MANIFEST}.")
    return json.loads(path.read_text())


def restore(backup: str | Path, database_url: str, storage_dir: str | Path, head: str | None) -> dict:
    """Restore ``backup`` into the empty database at ``database_url`` and into ``storage_dir``,
    then check it; a summary of what was restored and checked. ``head``: this code's migration head."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    if head is not None and manifest["revision"] != head:
        raise InvalidInput(f"The backup is at migration {manifest['revision']}, this code at {head}: restore it "
                           f"with the code it was made by, then run `flask db upgrade`.")
    if _holds_tables(database_url):
        raise InvalidInput("The target database already holds tables: restore into an empty database.")
    if manifest["database"] == "sqlite":
        if not _is_sqlite(database_url):
            raise InvalidInput("This backup is of a SQLite database: restore it into a SQLite address.")
        _copy_sqlite(str(backup / SQLITE_FILE), Path(_sqlite_path(database_url)))
    else:
        if _is_sqlite(database_url):
            raise InvalidInput("This backup is of a PostgreSQL database: restore it into a PostgreSQL address.")
        _pg_restore(backup / POSTGRES_FILE, database_url)
    if (backup / "storage").exists():
        shutil.copytree(backup / "storage", storage_dir, dirs_exist_ok=True)
    counts = table_counts(database_url)
    mismatched = {name: (expected, counts.get(name)) for name, expected in manifest["counts"].items()
                  if counts.get(name) != expected}
    if mismatched:
        raise InvalidInput(f"Restored row counts differ from the backup's manifest: {mismatched}")
    files = _count_files(Path(storage_dir))
    return {"restored": str(backup), "revision": revision_of(database_url), "tables": len(counts),
            "rows": sum(counts.values()), "files": files, "checked": True}
