"""CSV export for any list: one writer, streamed line by line.

``csv_lines(header, rows)`` turns an iterable of row sequences into CSV text lines (header
first), never holding the whole file in memory. Cells that a spreadsheet would run as a
formula (starting with = + - @, tab or CR, unless they are plainly a number or a phone
number) are prefixed with a quote (OWASP "CSV injection").
``csv_response(filename, header, rows)`` wraps it in a streamed ``text/csv`` download for a view.
``batches(statement)`` reads a list's own SELECT in batches, so a service can build each batch's
rows with a fixed number of further queries (never one per row).
"""
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Numbers and phone numbers ("+46 70 123 45 67", "-12.5") cannot call a function: left as they are.
NUMBER_LIKE = re.compile(r"^[-+]?[0-9 ()./-]*$")


def cell(value) -> str:
    """One value as CSV text: dates in ISO form, booleans as yes/no, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not NUMBER_LIKE.match(text):
        return "'" + text
    return text


def batches(statement, size: int = 500) -> Iterator[list]:
    """The rows of ``statement`` (entities when it selects one entity) in lists of at most ``size``,
    streamed from one query; the statement's eager loading runs once per batch."""
    from ...extensions import db

    result = db.session.execute(statement.execution_options(yield_per=size))
    if len(statement.column_descriptions) == 1:
        result = result.scalars()
    for batch in result.partitions():
        yield list(batch)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV text, one line per yield: the header, then each row's cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    yield line([str(h) for h in header])
    for row in rows:
        yield line([cell(v) for v in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A streamed download of ``csv_lines``; call it inside a request. The rows are read while
    streaming, in the request's contexts (``stream_with_context``) but in a database session of
    their own: ``rows`` must build everything from its own queries (ids in, not the view's objects)."""
    from flask import Response, stream_with_context
    from flask_babel import get_locale

    # Flask tears the request down as soon as the view returns: its database session is closed and
    # what the view loaded (the logged-in user, their person) is detached, and stream_with_context
    # brings the contexts back only while the body is read. The reader's language is chosen from
    # that user, so it is chosen now, while they can still be read; get_locale keeps it for the
    # stream, whose wording (flag sentences, labels, the header) then never touches the user.
    get_locale()
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def audited_csv(name: str, header: Sequence[str], rows: Iterable[Sequence], *, entity_type: str, society_id: int,
                filters: dict):
    """Every list's download: put it on the audit trail (with the filters given), commit so it
    is on record before a byte leaves, then stream ``{name}-{society code}-{day}.csv``."""
    from ...extensions import db
    from ...models import Society
    from . import audit

    audit.record("export", entity_type=entity_type, society_id=society_id,
                 details={"filters": {key: value for key, value in filters.items() if value not in (None, "", [])}})
    code = db.session.get(Society, society_id).code
    db.session.commit()
    return csv_response(f"{name}-{code}-{date.today().isoformat()}.csv", header, rows)
