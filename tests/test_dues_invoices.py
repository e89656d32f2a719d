"""Dues invoices: payment references by the society's scheme, the member's invoice and receipt,
and a bank's payment file matched to invoices by reference, previewed, booked all or nothing."""
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from society.extensions import db
from society.models import AuditEvent, DuesPayment, Membership, PaymentImport
from society.services.errors import Conflict, InvalidInput
from society.services.membership import bank_payments, invoices, members, payments, references

from . import demo_data, factories

TODAY = date(2026, 3, 1)


# -- references ----------------------------------------------------------------------------

def test_an_ocr_reference_ends_in_a_length_digit_and_a_luhn_check_digit():
    assert references.luhn_digit("7992739871") == "3"  # the textbook Luhn example
    reference = references.ocr(1234, 2026)
    assert reference == "202600123428"
    assert reference[-2] == str(len(reference) % 10)
    assert references.ocr_is_valid(reference)
    assert not references.ocr_is_valid("202600123429")  # one digit mistyped
    assert not references.ocr_is_valid("20260012348")  # one digit dropped


def test_an_rf_creditor_reference_passes_the_iso_11649_check():
    assert references.rf_is_valid("RF18539007547034")  # the standard's own example
    reference = references.rf(1234, 2026)
    assert reference.startswith("RF") and references.rf_is_valid(reference)
    assert not references.rf_is_valid(reference[:-1] + "5")
    assert references.normalise(" rf" + references.grouped(reference)[2:].lower() + " ") == reference


@pytest.mark.parametrize("scheme, pattern", [("ocr", r"^\d+$"), ("rf", r"^RF\d\d\d+$"), ("plain", r"^S\d+-2026-\d+$")])
def test_raising_dues_gives_every_invoice_a_reference_of_the_societys_scheme(scheme, pattern):
    society = factories.society(payment_reference_scheme=scheme)
    for _ in range(3):
        factories.member(society)
    created = members.raise_period_dues(society.id, 2026, Decimal("450"), "SEK", date(2026, 3, 31), TODAY)
    db.session.commit()
    refs = db.session.scalars(select(DuesPayment.payment_reference)).all()
    assert created == 3 and len(set(refs)) == 3
    assert all(re.match(pattern, ref) and references.is_valid(scheme, ref) for ref in refs)


# -- the member's documents -------------------------------------------------------------------

@pytest.fixture
def member_user(society):
    society.payment_reference_scheme = "ocr"
    membership = factories.member(society, given_name="Maja", family_name="Medlem", email="maja@example.se",
                                  category="associate", language="sv")
    factories.dues(membership, 2025, paid_on=date(2025, 1, 20))
    members.raise_period_dues(society.id, 2026, Decimal("450"), "SEK", date(2026, 3, 31), TODAY)
    user = factories.user(role="member", person=membership.person, email="maja@example.se")
    db.session.commit()
    return user


@pytest.fixture
def member_client(app, member_user):
    client = app.test_client()
    factories.log_in(client, member_user.email)
    return client


def _dues(period: int, person_id: int | None = None) -> DuesPayment:
    """The period's dues (of ``person_id``, where a test gives others dues too)."""
    statement = select(DuesPayment).where(DuesPayment.period == period)
    if person_id is not None:
        statement = statement.join(Membership).where(Membership.person_id == person_id)
    return db.session.scalar(statement)


def test_the_member_sees_status_category_dues_and_the_payment_reference(member_client):
    page = member_client.get("/membership", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Associate" in page and "2025" in page and "2026" in page
    assert _dues(2026).payment_reference in page
    assert "Pay by bank transfer quoting the payment reference" in page
    assert "/membership/dues/%d/receipt.pdf" % _dues(2025).id in page
    assert "/membership/dues/%d/receipt.pdf" % _dues(2026).id not in page  # unpaid: no receipt


def test_the_member_downloads_an_invoice_and_a_receipt_as_pdf(member_client):
    invoice = member_client.get(f"/membership/dues/{_dues(2026).id}/invoice.pdf")
    assert invoice.status_code == 200 and invoice.data.startswith(b"%PDF")
    assert "attachment" in invoice.headers["Content-Disposition"]
    receipt = member_client.get(f"/membership/dues/{_dues(2025).id}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    assert member_client.get(f"/membership/dues/{_dues(2026).id}/receipt.pdf").status_code == 404


def test_the_invoice_pdf_fetches_nothing_and_shows_the_reference_in_the_members_language(member_user, society):
    from society.services.certificates import rendering

    dues = _dues(2026)
    dues.membership.person.given_name = '<img src="http://169.254.169.254/">'
    html = None
    original = rendering.render_pdf

    def spy(text, **kwargs):
        nonlocal html
        html = text
        rendered = original(text, **kwargs)
        assert not rendered.refused and all(not url.startswith("http") for url in rendered.fetched)
        return rendered

    rendering.render_pdf, saved = spy, rendering.render_pdf
    try:
        assert invoices.pdf(dues, receipt=False).startswith(b"%PDF")
    finally:
        rendering.render_pdf = saved
    assert "Faktura" in html and "&lt;img" in html  # Swedish, the name escaped
    assert references.grouped(dues.payment_reference) in html


def test_nobody_downloads_someone_elses_invoice(app, member_user, society):
    other = factories.member(society)
    factories.dues(other, 2026)
    user = factories.user(role="member", person=other.person)
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, user.email)
    # Maja's invoice, named by her person: the other member's own 2026 invoice is theirs to download.
    majas = _dues(2026, member_user.person_id)
    assert client.get(f"/membership/dues/{majas.id}/invoice.pdf").status_code == 404
    assert client.get(f"/membership/dues/{_dues(2026, other.person_id).id}/invoice.pdf").status_code == 200


def test_the_manual_provider_tells_the_member_how_to_pay_and_books_a_payment(member_user):
    dues = _dues(2026)
    provider = payments.provider_for(dues.membership.society_id)
    assert provider.name == "manual"
    assert references.grouped(dues.payment_reference) in provider.instructions(dues).text
    provider.record(dues, dues.amount, date(2026, 2, 1), dues.payment_reference)
    assert dues.paid_on == date(2026, 2, 1)


# -- bank payment files -------------------------------------------------------------------

@pytest.fixture
def invoiced(society):
    """Four members with 2026 invoices of 450 SEK (one already paid) in an OCR society."""
    society.payment_reference_scheme = "ocr"
    people = [factories.member(society, given_name=f"M{i}") for i in range(4)]
    members.raise_period_dues(society.id, 2026, Decimal("450"), "SEK", date(2026, 3, 31), TODAY)
    db.session.flush()
    dues = [m.dues[0] for m in people]
    for d in dues:
        db.session.refresh(d)
    dues[3].paid_on = date(2026, 1, 15)
    db.session.commit()
    return dues


def _file(*lines: str) -> str:
    return "booked_on;amount;reference;payer\n" + "\n".join(lines) + "\n"


def test_the_preview_sorts_payments_into_matched_partial_unmatched_already_paid_and_duplicates(society, invoiced):
    full, part, over, paid = invoiced
    text = _file(f"2026-02-01;450,00;{full.payment_reference};A", f"2026-02-01;200;{part.payment_reference};B",
                 f"2026-02-02;500;{over.payment_reference};C", f"2026-02-02;450;{paid.payment_reference};D",
                 f"2026-02-03;450;{full.payment_reference};A again", "2026-02-03;450;202599999929;E",
                 "2026-02-03;450;202599999928;F")
    result = bank_payments.preview(society, text)
    assert [line.outcome for line in result.lines] == [
        "matched", "partial", "overpaid", "already_paid", "duplicate", "unmatched", "unmatched"]
    assert result.lines[6].problem and not result.lines[5].problem  # wrong check digits are named
    assert result.can_commit


def test_committing_books_matched_payments_only_and_reports_the_rest(society, invoiced, admin):
    full, part, _over, _paid = invoiced
    import_id = bank_payments.stage(society.id, "bank.csv", _file(
        f"2026-02-01;450.00;{full.payment_reference};A", f"2026-02-01;200;{part.payment_reference};B",
        "2026-02-03;450;202599999929;E").encode(), admin.id)
    batch = bank_payments.staged(society.id, import_id)
    fingerprint = bank_payments.preview(society, batch.content).fingerprint
    result = bank_payments.commit(batch, society, fingerprint)
    db.session.commit()
    assert (result.counts["matched"], result.counts["partial"], result.counts["unmatched"]) == (1, 1, 1)
    db.session.refresh(full), db.session.refresh(part)
    assert full.paid_on == date(2026, 2, 1) and part.paid_on is None
    assert batch.status == "committed" and len(batch.report["not_booked"]) == 2
    with pytest.raises(Conflict):
        bank_payments.commit(batch, society, fingerprint)  # a file is booked once


def test_a_line_that_cannot_be_read_refuses_the_whole_file(society, invoiced, admin):
    full = invoiced[0]
    import_id = bank_payments.stage(society.id, "bank.csv", _file(
        f"2026-02-01;450;{full.payment_reference};A", "yesterday;450;202599999929;E").encode(), admin.id)
    batch = bank_payments.staged(society.id, import_id)
    result = bank_payments.preview(society, batch.content)
    assert result.lines[1].outcome == "invalid" and not result.can_commit
    with pytest.raises(InvalidInput):
        bank_payments.commit(batch, society, result.fingerprint)
    db.session.rollback()
    db.session.refresh(full)
    assert full.paid_on is None


def test_an_invoice_paid_after_the_preview_stops_the_commit_and_nothing_is_booked(society, invoiced, admin):
    first, second = invoiced[0], invoiced[1]
    import_id = bank_payments.stage(society.id, "bank.csv", _file(
        f"2026-02-01;450;{first.payment_reference};A", f"2026-02-01;450;{second.payment_reference};B").encode(),
        admin.id)
    batch = bank_payments.staged(society.id, import_id)
    fingerprint = bank_payments.preview(society, batch.content).fingerprint
    members.record_payment(second.membership, 2026, Decimal("450"), date(2026, 2, 5), "cash")
    db.session.commit()
    with pytest.raises(Conflict):
        bank_payments.commit(batch, society, fingerprint)
    db.session.rollback()
    db.session.refresh(first)
    assert first.paid_on is None


def test_a_file_without_the_columns_is_refused_at_upload(society, admin):
    with pytest.raises(InvalidInput):
        bank_payments.stage(society.id, "bank.csv", b"date,sum\n2026-01-01,450\n", admin.id)


def test_the_bank_file_is_not_copied_into_the_audit_trail(society, invoiced, admin):
    bank_payments.stage(society.id, "bank.csv", _file(f"2026-02-01;450;{invoiced[0].payment_reference};Secret Payer").encode(),
                        admin.id)
    db.session.commit()
    trail = " ".join(db.session.scalars(select(func.coalesce(AuditEvent.changes, ""))).all())
    assert "Secret Payer" not in trail


def test_an_administrator_imports_a_bank_file_through_the_pages(admin_client, society, invoiced):
    full = invoiced[0]
    data = {"file": (io.BytesIO(_file(f"2026-02-01;450;{full.payment_reference};A",
                                      "2026-02-01;450;202599999929;E").encode()), "bank.csv")}
    upload = admin_client.post("/admin/payments/", data=data, content_type="multipart/form-data")
    assert upload.status_code == 302
    preview = admin_client.get(upload.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Paid in full" in preview and "No invoice with this reference" in preview
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', preview).group(1)
    import_id = db.session.scalar(select(PaymentImport.id))
    done = admin_client.post(f"/admin/payments/{import_id}/commit", data={"fingerprint": fingerprint})
    assert done.status_code == 302
    db.session.refresh(full)
    assert full.paid_on == date(2026, 2, 1)
    report = admin_client.get(f"/admin/payments/{import_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not booked" in report and "202599999929" in report


def test_another_societys_administrator_cannot_see_the_file(app, society, invoiced, admin):
    import_id = bank_payments.stage(society.id, "bank.csv", _file("2026-02-01;450;1;A").encode(), admin.id)
    other = factories.user(role="admin", society=factories.society())
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, other.email)
    assert client.get(f"/admin/payments/{import_id}").status_code == 404


# -- the demo ------------------------------------------------------------------------------

def test_the_demo_members_invoice_is_paid_by_importing_the_sample_bank_file():
    from society.models import Society, User

    demo_data.seed(40, today=date(2026, 11, 23))
    db.session.commit()
    sbs = db.session.scalar(select(Society).where(Society.code == "SBS"))
    member = db.session.scalar(select(User).where(User.email == "member@sbs.example"))
    invoice = db.session.scalar(select(DuesPayment).where(DuesPayment.payment_reference == invoices.DEMO_REFERENCE))
    assert invoice.membership.person_id == member.person_id and invoice.paid_on is None
    sample = Path(__file__).resolve().parents[1] / "docs" / "examples" / "bank-payments.csv"
    import_id = bank_payments.stage(sbs.id, sample.name, sample.read_bytes(), None)
    batch = bank_payments.staged(sbs.id, import_id)
    result = bank_payments.commit(batch, sbs, bank_payments.preview(sbs, batch.content).fingerprint)
    db.session.commit()
    assert (result.counts["matched"], result.counts["unmatched"]) == (1, 1)
    db.session.refresh(invoice)
    assert invoice.paid_on is not None
