"""Whether this process can serve: the database answers and the storage folder is writable.

``/healthz`` reports it for load balancers and monitoring; a request that meets a database
outage is answered 503 with Retry-After by the error handler (``errors.py``), never 500."""
import os
import tempfile
from pathlib import Path

from sqlalchemy import text

from ...extensions import db

RETRY_AFTER_SECONDS = 5


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database is "down"
        db.session.rollback()
        return False
    return True


def storage_writable(folder: str) -> bool:
    """A file can be created and removed in ``folder`` (evidence and certificates live there)."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".health-")
        os.close(handle)
        os.unlink(name)
    except OSError:
        return False
    return True


def check(storage_folder: str) -> dict:
    """``{"status": "ok"|"unavailable", "database": "ok"|"down", "storage": "ok"|"down"}``."""
    parts = {"database": database_answers(), "storage": storage_writable(storage_folder)}
    report = {name: "ok" if up else "down" for name, up in parts.items()}
    return {"status": "ok" if all(parts.values()) else "unavailable", **report}
