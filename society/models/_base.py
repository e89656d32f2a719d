"""Column helpers shared by the domain models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, func
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def choice(*values: str, name: str) -> Enum:
    """A string column restricted by a CHECK constraint on both SQLite and PostgreSQL."""
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def personal(**kwargs) -> dict:
    """Marks a column as personal data: exported on request, blanked on erasure."""
    return {"info": {"personal": True}, **kwargs}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now(), index=True
    )
