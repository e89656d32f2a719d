"""The limits every input meets, whatever door it comes through (forms, list filters, CSV
imports, the API, URLs): what the database columns can hold, on SQLite as on PostgreSQL.

SQLite stores whatever it is given, PostgreSQL refuses (a NUL byte in text, an integer past
32 bits, an amount past ``Numeric(10, 2)``): checked here first, both answer the same clear 4xx.
"""
import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import validate
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids and other integer columns: PostgreSQL's INTEGER
MIN_INT = -(2**31)
MAX_PAGE = 100_000
MAX_AMOUNT = Decimal("99999999.99")  # Numeric(10, 2): dues and payments
# C0 controls and DEL, except tab, line feed and carriage return (typed text may hold those).
_CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL_CLASS}]")
# The same as a pattern text fields carry, so the OpenAPI document says it too.
WITHOUT_CONTROL_CHARACTERS = f"^[^{_CONTROL_CLASS}]*$"
PAGE_ARGUMENTS = ("page", "per_page")


def has_control_character(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def no_control_characters() -> validate.Regexp:
    return validate.Regexp(WITHOUT_CONTROL_CHARACTERS,
                           error=_l("Remove the control characters (such as a NUL byte) from this text."))


def integer_range() -> validate.Range:
    return validate.Range(min=MIN_INT, max=MAX_ID, error=_l("Enter a whole number from {min} to {max}."))


def amount_range() -> validate.Range:
    return validate.Range(min=0, max=MAX_AMOUNT, error=_l("Enter an amount from {min} to {max}."))


def odd_argument(values) -> tuple[str, str] | None:
    """The first query or form value no field could accept: (name, what to fix), or None.
    ``values``: a MultiDict of a request's arguments or form."""
    for name, value in values.items(multi=True):
        if has_control_character(name) or has_control_character(value):
            return name, str(_l("Remove the control characters (such as a NUL byte) from this text."))
        if name in PAGE_ARGUMENTS and value and not (value.isdigit() and 1 <= int(value) <= MAX_PAGE):
            return name, str(_l("Enter a page number from 1 to %(max)s.", max=MAX_PAGE))
    return None


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` in URLs: an id past the columns' range is a 404 like any unknown id, not a 500."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
