"""A bank's payment file (CSV) matched to dues invoices by their payment reference.

1. ``stage`` reads the upload (UTF-8, comma or semicolon separated; columns ``booked_on``,
   ``amount``, ``reference``, optionally ``payer``) and keeps its text in ``payment_imports``,
   written with a plain INSERT so the audit trail does not copy a bank file.
2. ``preview`` reads every line and matches it against the society's invoices: ``matched``
   (paid in full, or more: ``overpaid``), ``partial`` (less than the invoice), ``already_paid``,
   ``duplicate`` (the same invoice twice in the file), ``unmatched`` (no invoice has the reference,
   or its check digits are wrong) and ``invalid`` (a date or an amount that cannot be read).
3. ``commit`` books the matched payments all or nothing, in one transaction, through the
   payment provider (``payments.ManualPayments``): any invalid line refuses the whole file, and
   so does a preview that no longer holds (an invoice paid meanwhile). Partial, unmatched and
   already paid lines are reported, never booked: an administrator settles them by hand.
"""
import csv
import hashlib
import io
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import insert, select

from ...extensions import db
from ...models import DuesPayment, Membership, PaymentImport, Person, Society
from ..errors import Conflict, InvalidInput, NotFound
from ..platform import audit
from . import references
from .payments import provider_for

COLUMNS = ("booked_on", "amount", "reference")
MAX_BYTES = 2_000_000
MAX_LINES = 20_000
OUTCOMES = ("matched", "overpaid", "partial", "already_paid", "duplicate", "unmatched", "invalid")
BOOKED = ("matched", "overpaid")


@dataclass
class Line:
    row: int  # as a spreadsheet numbers it: the header is row 1
    booked_on: date | None
    amount: Decimal | None
    reference: str
    payer: str
    outcome: str = "unmatched"
    dues_id: int | None = None
    member: str | None = None
    due_amount: Decimal | None = None
    currency: str | None = None
    problem: str | None = None


@dataclass
class Preview:
    lines: list[Line]
    counts: dict = field(default_factory=dict)

    @property
    def can_commit(self) -> bool:
        return not self.counts.get("invalid") and any(self.counts.get(o) for o in BOOKED)

    @property
    def fingerprint(self) -> str:
        """What the commit must find again: the invoices to book and the amounts."""
        booked = sorted((line.dues_id, str(line.amount)) for line in self.lines if line.outcome in BOOKED)
        return hashlib.sha256(repr(booked).encode()).hexdigest()[:32]

    def report(self) -> dict:
        return {"counts": self.counts,
                "not_booked": [{k: str(v) if v is not None else None for k, v in asdict(line).items()}
                               for line in self.lines if line.outcome not in BOOKED][:200]}


def stage(society_id: int, filename: str, raw: bytes, user_id: int | None) -> int:
    """Keep an uploaded bank file for its preview and commit; its id."""
    if len(raw) > MAX_BYTES:
        raise InvalidInput(gettext("The file is larger than 2 MB."), field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(gettext("The file is not UTF-8 text."), field="file") from None
    if "\x00" in text:
        raise InvalidInput(gettext("The file is not a CSV file."), field="file")
    _read(text)  # refuses a file without the columns before anything is kept
    now = datetime.now(timezone.utc)
    import_id = db.session.execute(insert(PaymentImport.__table__).values(
        society_id=society_id, filename=filename[:200] or "payments.csv", content=text, status="staged",
        created_by_id=user_id, created_at=now, updated_at=now).returning(PaymentImport.__table__.c.id)).scalar_one()
    audit.record("payment_file_uploaded", entity_type="PaymentImport", entity_id=import_id, society_id=society_id,
                 details={"filename": filename[:200]})
    return import_id


def staged(society_id: int, import_id: int) -> PaymentImport:
    batch = db.session.get(PaymentImport, import_id)
    if batch is None or batch.society_id != society_id:
        raise NotFound(gettext("No such payment file."))
    return batch


def _read(text: str) -> list[dict]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise InvalidInput(gettext("The file lacks the columns: %(columns)s.", columns=", ".join(missing)),
                           field="file")
    reader.fieldnames = header
    rows = list(reader)
    if len(rows) > MAX_LINES:
        raise InvalidInput(gettext("The file has more than %(count)s payments.", count=MAX_LINES), field="file")
    return rows


def _amount(text: str) -> Decimal | None:
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _lines(text: str) -> list[Line]:
    lines = []
    for number, cells in enumerate(_read(text), start=2):
        line = Line(number, _day(cells.get("booked_on")), _amount(cells.get("amount")),
                    references.normalise(cells.get("reference") or ""), (cells.get("payer") or "").strip()[:200])
        if line.booked_on is None:
            line.outcome, line.problem = "invalid", gettext("The date is not a date (YYYY-MM-DD).")
        elif line.amount is None:
            line.outcome, line.problem = "invalid", gettext("The amount is not a positive number.")
        lines.append(line)
    return lines


def preview(society: Society, text: str) -> Preview:
    """Every line of the file and what committing it would do."""
    lines = _lines(text)
    wanted = {line.reference for line in lines if line.outcome != "invalid" and line.reference}
    invoices = {}
    if wanted:
        for dues, person in db.session.execute(
                select(DuesPayment, Person).join(Membership, Membership.id == DuesPayment.membership_id)
                .join(Person, Person.id == Membership.person_id)
                .where(Membership.society_id == society.id, DuesPayment.payment_reference.in_(wanted))):
            invoices[dues.payment_reference] = (dues, person)
    seen = set()
    for line in lines:
        if line.outcome == "invalid":
            continue
        found = invoices.get(line.reference)
        if found is None:
            line.outcome = "unmatched"
            if line.reference and not references.is_valid(society.payment_reference_scheme, line.reference):
                line.problem = gettext("The reference's check digits are wrong.")
            continue
        dues, person = found
        line.dues_id, line.member, line.due_amount, line.currency = dues.id, person.full_name, dues.amount, dues.currency
        if dues.paid_on is not None:
            line.outcome = "already_paid"
        elif dues.id in seen:
            line.outcome = "duplicate"
        elif line.amount < dues.amount:
            line.outcome = "partial"
        else:
            line.outcome = "overpaid" if line.amount > dues.amount else "matched"
            seen.add(dues.id)
    counts = {outcome: sum(1 for line in lines if line.outcome == outcome) for outcome in OUTCOMES}
    return Preview(lines, counts)


def commit(batch: PaymentImport, society: Society, fingerprint: str) -> Preview:
    """Book the file's matched payments, all or none; Conflict when the preview no longer holds."""
    if batch.status != "staged":
        raise Conflict(gettext("This payment file was already imported or discarded."))
    result = preview(society, batch.content)
    if not result.can_commit:
        raise InvalidInput(gettext("Nothing was imported: correct the invalid lines, or there is nothing to book."))
    if result.fingerprint != fingerprint:
        raise Conflict(gettext("The invoices changed since the preview (a payment was recorded meanwhile). "
                               "Nothing was imported; look at the new preview."))
    provider = provider_for(society.id)
    by_id = {d.id: d for d in db.session.scalars(
        select(DuesPayment).where(DuesPayment.id.in_([line.dues_id for line in result.lines if line.outcome in BOOKED])))}
    for line in result.lines:
        if line.outcome in BOOKED:
            dues = by_id[line.dues_id]
            provider.record(dues, dues.amount, line.booked_on, line.reference)
    batch.status, batch.committed_at = "committed", datetime.now(timezone.utc)
    batch.report = result.report()
    db.session.flush()
    return result


def discard(batch: PaymentImport) -> None:
    if batch.status != "staged":
        raise Conflict(gettext("This payment file was already imported or discarded."))
    batch.status = "discarded"
    db.session.flush()
