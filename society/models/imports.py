"""CSV imports: an uploaded file, its validation progress, and the problems found per row.

The batch row is audited like any other (who uploaded what, and when it was committed).
The file's text and the row errors live in tables of their own, written with plain
INSERT statements, so the audit trail does not copy a whole membership file.
"""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import Timestamps, choice, personal

IMPORT_KINDS = ("members", "groups")
# validating -> valid | invalid; valid -> committing -> committed | invalid | failed; any open one -> discarded
IMPORT_STATUSES = ("validating", "valid", "invalid", "committing", "committed", "failed", "discarded")


class ImportBatch(Timestamps, db.Model):
    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("processed_rows >= 0 AND processed_rows <= total_rows", name="processed_within_total"),
        CheckConstraint("error_count >= 0 AND imported_count >= 0", name="counts_not_negative"),
        Index("ix_import_batches_society_created", "society_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(choice(*IMPORT_KINDS, name="import_kind"))
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(choice(*IMPORT_STATUSES, name="import_status"), default="validating")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_count: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(Text, **personal())  # why a commit failed (may quote a row)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Creating the rows: when its last step was taken (a heartbeat), and how many times it was
    # (re)started; more than one start means an interrupted attempt was taken up again.
    publish_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publish_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Who asked for the commit: the job that creates the rows acts for them in the audit trail.
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ImportFile(db.Model):
    """The uploaded text, kept until the batch is committed or discarded."""

    __tablename__ = "import_files"

    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[str] = mapped_column(Text, **personal())


class ImportRowError(db.Model):
    """One problem with one row: the row number as a spreadsheet shows it (the header is row 1)."""

    __tablename__ = "import_row_errors"
    __table_args__ = (Index("ix_import_row_errors_batch_row", "batch_id", "row_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    row_no: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    # The message in English, and in the other interface languages ({"sv": {"message": ...}}), so the
    # page shows it in the reader's language whoever ran the check (formatting.translated).
    message: Mapped[str] = mapped_column(String(500), **personal())  # may quote a cell
    translations: Mapped[dict | None] = mapped_column(JSON, **personal())


class ImportRow(db.Model):
    """A row of the file, staged once at upload: each step of the preview and of the commit reads
    only its own rows (by number), never the whole file again. ``loaded`` holds the row as the
    commit's check accepted it, ready to be created. Deleted with the file once imported or discarded."""

    __tablename__ = "import_rows"

    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True)
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cells: Mapped[str] = mapped_column(Text, **personal())  # JSON: the file's columns -> text, as read
    loaded: Mapped[str | None] = mapped_column(Text, **personal())  # JSON: the checked values
    # Members: the person created for this row, while the commit creates people chunk by chunk.
    person_id: Mapped[int | None] = mapped_column(Integer)
