"""Imports as jobs: the preview's checks and the commit advance in short steps, each its own
transaction, so a large file never holds a request (or SQLite's write lock) for long.

- ``advance`` does the next steps of one batch for a while: checking rows (the preview, then
  the commit's second check), each chunk committed on its own; with ``publish`` also creating
  the rows (``imports.publish_step``: people a few thousand at a time, then every membership
  at once). A failed step is undone (``imports.undo_publish``): nothing of the import stays.
- The scheduler's import job (``run_pending`` every few seconds, on the active scheduler only)
  is the one that creates rows: an import goes on with its page closed, and after a crash the
  next run takes it up where it stopped. The progress page's steps only check rows.
- Each creating step records a heartbeat (``publish_started_at``). A step that finds the last
  heartbeat older than ``IMPORT_PUBLISH_STALE_SECONDS`` (or none) counts a new start in
  ``publish_attempts``: more than one start means an interrupted attempt was taken up again,
  and the batch page says so; a heartbeat that stopped says the import waits to be resumed.
- A small file (``IMPORT_INLINE_ROWS``) is checked and created at once, in the request that
  asks for it, in one transaction.
"""
import logging
import time
from datetime import timezone

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from ...database import writing
from ...extensions import db
from ...models import ImportBatch, User
from ...models._base import utcnow
from ..platform import audit
from . import imports

log = logging.getLogger(__name__)
OPEN = ("validating", "committing")


def _locked(batch_id: int) -> ImportBatch | None:
    """The batch, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE)."""
    return db.session.get(ImportBatch, batch_id, with_for_update=True, populate_existing=True)


def chunk_rows() -> int:
    return current_app.config["IMPORT_CHUNK_ROWS"]


def advance(batch_id: int, *, seconds: float, publish: bool = False, rows: int | None = None) -> ImportBatch | None:
    """Do the next steps of the batch for about ``seconds``; the batch as it stands afterwards."""
    rows = rows or chunk_rows()
    deadline = time.monotonic() + seconds
    with writing():
        while True:
            batch = _locked(batch_id)
            if batch is None or batch.status not in OPEN:
                db.session.rollback()
                return batch
            if batch.status == "validating":
                imports.validate_chunk(batch, rows)
                db.session.commit()
            elif not imports.ready_to_publish(batch):
                imports.check_commit_chunk(batch, rows)
                db.session.commit()
            elif publish:
                _publish_step(batch)
            else:
                db.session.rollback()
                return batch  # checked: the scheduler creates the rows
            if time.monotonic() >= deadline:
                return batch  # expired: read again outside this block, never in a writer's transaction
            # Leave the database to other writers for a moment: on SQLite one that waits for the
            # write lock would otherwise find it taken again at once, chunk after chunk.
            time.sleep(current_app.config["IMPORT_CHUNK_PAUSE_SECONDS"])


def _stale(batch: ImportBatch) -> bool:
    beat = batch.publish_started_at
    if beat is None:
        return True
    if beat.tzinfo is None:  # SQLite hands back naive UTC
        beat = beat.replace(tzinfo=timezone.utc)
    return (utcnow() - beat).total_seconds() > current_app.config["IMPORT_PUBLISH_STALE_SECONDS"]


def _publish_step(batch: ImportBatch) -> None:
    """One step of creating the rows, committed with its heartbeat; a failure undoes them all."""
    batch_id = batch.id
    if _stale(batch):
        batch.publish_attempts += 1
    batch.publish_started_at = utcnow()
    actor = audit.set_actor(_committer(batch))
    try:
        imports.publish_step(batch, current_app.config["IMPORT_PUBLISH_ROWS"])
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - recorded on the batch; what was created is removed
        db.session.rollback()
        log.warning("Import %s failed: %s", batch_id, error)
        removed = imports.undo_publish(batch_id)
        imports.mark_failed(batch_id, gettext("The database refused the import, so nothing was imported: %(error)s",
                                              error=str(getattr(error, "orig", error))[:300]))
        db.session.commit()
        log.info("Import %s: %s people created before the failure removed.", batch_id, removed)
    finally:
        audit.reset_actor(actor)


def _committer(batch: ImportBatch) -> audit.Actor:
    """The job creates the rows for whoever asked for the commit: the trail names them."""
    user = db.session.get(User, batch.committed_by_id) if batch.committed_by_id else None
    return audit.Actor(user.id, user.email) if user else audit.SYSTEM


def commit_now(batch: ImportBatch, user_id: int | None) -> int:
    """A small file: check every row again and create them all in the caller's transaction."""
    imports.begin_commit(batch, user_id)
    imports.check_commit_chunk(batch, batch.total_rows)
    if batch.status != "committing":
        return 0
    while not imports.publish_step(batch, batch.total_rows):
        pass
    return batch.imported_count


def pending() -> list[int]:
    return list(db.session.scalars(select(ImportBatch.id).where(ImportBatch.status.in_(OPEN))
                                   .order_by(ImportBatch.id)))


def run_pending(seconds: float = 20.0) -> int:
    """The scheduler's import job: advance every open batch, creating what is checked; how many
    batches were worked on."""
    deadline = time.monotonic() + seconds
    batch_ids = pending()
    db.session.rollback()
    for batch_id in batch_ids:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        advance(batch_id, seconds=remaining, publish=True)
    return len(batch_ids)


def interrupted(batch: ImportBatch) -> bool:
    """Whether creating the batch's rows began and then stopped: it waits to be taken up again."""
    return imports.ready_to_publish(batch) and batch.publish_attempts > 0 and _stale(batch)
