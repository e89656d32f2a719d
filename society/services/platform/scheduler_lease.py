"""The scheduler lease: one row per lease name says which scheduler process is active.

Every scheduler process tries to take or renew the lease every few seconds; the holder
runs the jobs, the others stand by and take over when it stops renewing (its lease
expires). Taking and renewing is one conditional UPDATE (or the first INSERT), so two
processes can never both succeed: PostgreSQL re-checks the condition after the row lock,
SQLite serializes writers. Clocks of the hosts are assumed to agree (NTP) within seconds.
"""
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...database import writing
from ...extensions import db
from ...models import SchedulerLease


def _now() -> datetime:
    return datetime.now(timezone.utc)


def hold(name: str, holder: str, seconds: int, now: datetime | None = None) -> bool:
    """Take or renew the lease for ``seconds``; True when ``holder`` holds it afterwards. Commits."""
    now = now or _now()
    expires_at = now + timedelta(seconds=seconds)
    with writing():
        try:
            renewed = db.session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == name,
                       or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
                .values(holder=holder, expires_at=expires_at)
                .execution_options(synchronize_session=False))
            if renewed.rowcount == 1:
                db.session.commit()
                return True
            if db.session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == name)) is not None:
                db.session.rollback()
                return False
            db.session.execute(insert(SchedulerLease).values(name=name, holder=holder, expires_at=expires_at))
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
            return False


def release(name: str, holder: str) -> None:
    """Give the lease up at shutdown so a standing-by process takes over at once."""
    with writing():
        db.session.execute(delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def current(name: str) -> SchedulerLease | None:
    return db.session.get(SchedulerLease, name)


def is_current(lease: SchedulerLease, now: datetime | None = None) -> bool:
    expires_at = lease.expires_at
    if expires_at.tzinfo is None:  # SQLite hands back naive UTC
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    return expires_at >= (now or _now())
