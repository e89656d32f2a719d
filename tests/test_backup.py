"""Backups an operator can follow: `flask backup` while writes go on, `flask restore` into an
empty database, checked against the backup's manifest."""
import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from society.database import writing
from society.extensions import db
from society.models import Person
from society.services.platform import backup as backups

from . import demo_data
from .conftest import TEST_SECRET, empty_postgresql_database

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


def _flask(*args, database_url: str, storage: Path) -> subprocess.CompletedProcess:
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "DATABASE_URL": database_url,
           "SECRET_KEY": TEST_SECRET, "STORAGE_DIR": str(storage), "SCHEDULER_IN_PROCESS": "0"}
    import os

    env.update({key: value for key, value in os.environ.items() if key in ("PG_BINDIR", "HOME", "LANG")})
    return subprocess.run([FLASK, "--app", "society", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def empty_database(db_url, tmp_path):
    """A second, empty database of the same kind as the suite's."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"restore_{uuid.uuid4().hex[:8]}"
    yield empty_postgresql_database(db_url, name)
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _keep_writing(app, stop: threading.Event, written: list) -> None:
    with app.app_context():
        while not stop.is_set():
            with writing():
                db.session.add(Person(given_name="Writer", family_name=f"W{len(written)}",
                                      email=f"writer{len(written)}@example.org", profession="gp"))
                db.session.commit()
            written.append(1)
        db.session.remove()


@pytest.mark.slow
def test_a_backup_made_while_writes_go_on_restores_into_an_empty_database_and_checks(
        app, db_url, storage_dir, tmp_path, empty_database):
    demo_data.seed(8)
    db.session.commit()
    evidence = Path(storage_dir) / "evidence" / "abc.pdf"
    evidence.parent.mkdir(parents=True, exist_ok=True)
    evidence.write_bytes(b"%PDF-1.4 evidence")

    stop, written = threading.Event(), []
    writer = threading.Thread(target=_keep_writing, args=(app, stop, written))
    writer.start()
    try:
        made = _flask("backup", str(tmp_path / "backups"), database_url=db_url, storage=Path(storage_dir))
    finally:
        stop.set()
        writer.join(30)
    assert made.returncode == 0, made.stderr
    assert len(written) > 0  # the writes went on during the backup
    report = json.loads(made.stdout.strip().splitlines()[-1])
    folder = Path(report["folder"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["people"] > 0 and report["rows"] == sum(manifest["counts"].values())
    assert manifest["revision"] and (folder / "storage" / "evidence" / "abc.pdf").read_bytes() == b"%PDF-1.4 evidence"

    restored_storage = tmp_path / "restored-storage"
    result = _flask("restore", str(folder), database_url=empty_database, storage=restored_storage)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["checked"] and summary["revision"] == manifest["revision"]
    assert backups.table_counts(empty_database) == manifest["counts"]
    assert (restored_storage / "evidence" / "abc.pdf").read_bytes() == b"%PDF-1.4 evidence"

    again = _flask("restore", str(folder), database_url=empty_database, storage=restored_storage)
    assert again.returncode != 0 and "already holds tables" in again.stderr


def test_a_backup_from_other_code_is_refused_with_what_to_do(tmp_path, db_url):
    folder = tmp_path / "backup-x"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"database": "sqlite", "revision": "0001", "counts": {}}))
    with pytest.raises(backups.InvalidInput, match="flask db upgrade"):
        backups.restore(folder, f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "s", head="0003")
    with pytest.raises(backups.InvalidInput, match="not a backup folder"):
        backups.restore(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "s", head="0003")
