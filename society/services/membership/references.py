"""Payment references a bank carries from the payer to the society's statement.

A society chooses its scheme (``societies.payment_reference_scheme``):

- ``ocr``: a Swedish OCR reference (Bankgirot): digits, the last a Luhn (modulus 10) check digit,
  the one before it a length digit (the number of digits, modulo 10), so a bank refuses a
  mistyped or truncated reference at payment time;
- ``rf``: an ISO 11649 creditor reference, ``RF`` + two check digits (ISO 7064 mod 97-10) + the
  reference, understood by banks across SEPA;
- ``plain``: the society's code, the period and the invoice number (``SBS-2026-1234``), matched
  by text only.

``make`` builds a reference from an invoice's number and period; ``normalise`` reads one back
as a bank statement writes it (spaces, case); ``is_valid`` checks the check digits.
"""
import re

SCHEMES = ("plain", "ocr", "rf")


def luhn_digit(digits: str) -> str:
    """The Luhn check digit that makes ``digits`` + it pass the modulus-10 test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def ocr(number: int, period: int) -> str:
    """An OCR reference: period, invoice number, length digit, Luhn check digit."""
    body = f"{period}{number:06d}"
    with_length = body + str((len(body) + 2) % 10)
    return with_length + luhn_digit(with_length)


def ocr_is_valid(reference: str) -> bool:
    if not re.fullmatch(r"\d{2,25}", reference):
        return False
    body, check = reference[:-1], reference[-1]
    return luhn_digit(body) == check and int(reference[-2]) == len(reference) % 10


def _mod97(text: str) -> int:
    """ISO 7064 mod 97-10 of letters and digits, letters counted A=10 .. Z=35."""
    numeric = "".join(str(int(char, 36)) for char in text)
    return int(numeric) % 97


def rf(number: int, period: int) -> str:
    """An ISO 11649 creditor reference for the invoice: RF, two check digits, the reference."""
    body = f"{period}{number:06d}"
    check = 98 - _mod97(body + "RF00")
    return f"RF{check:02d}{body}"


def rf_is_valid(reference: str) -> bool:
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", reference):
        return False
    return _mod97(reference[4:] + reference[:4]) == 1


def plain(number: int, period: int, society_code: str) -> str:
    return f"{society_code}-{period}-{number}"


def make(scheme: str, number: int, period: int, society_code: str) -> str:
    """The reference of invoice ``number`` for ``period`` under ``scheme``."""
    if scheme == "ocr":
        return ocr(number, period)
    if scheme == "rf":
        return rf(number, period)
    return plain(number, period, society_code)


def normalise(text: str) -> str:
    """A reference as a statement may print it ("rf18 2026 0000 12", " 20260000125 ") in one form."""
    return re.sub(r"\s+", "", text or "").upper()


def is_valid(scheme: str, reference: str) -> bool:
    if scheme == "ocr":
        return ocr_is_valid(reference)
    if scheme == "rf":
        return rf_is_valid(reference)
    return bool(reference)


def grouped(reference: str) -> str:
    """An RF reference in groups of four, as printed on invoices; others as they are."""
    if reference.startswith("RF"):
        return " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))
    return reference
