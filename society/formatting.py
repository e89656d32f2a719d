"""Numbers, amounts, units, dates and data translations in the reader's language: the one set of
template filters (registered by ``register``) and the functions behind them, which services use too.

One date style across the interface: Babel's medium date in the reader's locale ("Nov 15, 2026",
"15 nov. 2026"), with a short time where a moment matters. CSV exports and the API keep ISO dates:
those are data, not interface.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from flask import Flask
from flask_babel import format_currency, format_date as babel_date, format_decimal, format_time, get_locale, gettext, ngettext
from flask_babel import format_percent


def format_day(value: date | datetime | None) -> str:
    """A day as the interface shows it; empty for none."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return babel_date(value, "medium")


def format_moment(value: datetime | None, seconds: bool = False) -> str:
    """A moment (UTC unless the application says otherwise): the day, then the time."""
    if value is None:
        return ""
    return f"{babel_date(value, 'medium')} {format_time(value, 'medium' if seconds else 'short')}"


def format_clock(value: datetime | None) -> str:
    """A moment's time alone, with seconds (a job's finish beside its start)."""
    return format_time(value, "medium") if value is not None else ""


def format_number(value) -> str:
    """20.00 -> "20", 19.50 -> "19.5" (or "19,5"): amounts as people write them, in the reader's locale."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(str(value)))


def format_money(amount, currency: str) -> str:
    """450 SEK -> "450,00 kr" in Swedish, "SEK 450.00" in English."""
    if amount is None:
        return ""
    return format_currency(Decimal(str(amount)), currency)


def format_units(amount, unit: str) -> str:
    """A count with its unit, with the plural the reader's language asks for: "2 timmar", "1 session"."""
    if amount is None:
        return ""
    num = format_number(amount)
    amount = _plural_count(Decimal(str(amount)))
    if unit == "session":
        return ngettext("%(count)s session", "%(count)s sessions", amount, count=num)
    if unit == "double_session":
        return ngettext("%(count)s double session", "%(count)s double sessions", amount, count=num)
    if unit == "hour":
        return ngettext("%(count)s hour", "%(count)s hours", amount, count=num)
    if unit == "case_discussion":
        return ngettext("%(count)s case discussion", "%(count)s case discussions", amount, count=num)
    if unit == "event":
        return ngettext("%(count)s event", "%(count)s events", amount, count=num)
    if unit == "minute":
        return ngettext("%(count)s minute", "%(count)s minutes", amount, count=num)
    return f"{num} {unit}"


def _plural_count(amount: Decimal) -> int:
    """gettext chooses plural forms from whole numbers; a fraction ("1.5 hours") takes the form of
    "many" in English and Swedish, so any whole number other than one stands for it."""
    return int(amount) if amount == amount.to_integral_value() else 2


def format_share(value) -> str:
    """0.5 -> "50 %" ("50 %" in Swedish): a share of a total, in the reader's locale."""
    if value is None or value == "":
        return ""
    share = Decimal(str(value))
    if -share.as_tuple().exponent > 2:  # given to a tenth of a percent (one group's share): shown so
        return format_percent(share, "#,##0.#%")
    return format_percent(share)


def format_period(span) -> str:
    """A (first day, last day) span: a whole calendar month as "Dec 2024" ("dec. 2024"), any other
    span as its two days."""
    start, end = span
    if start.day == 1 and start.month == end.month and start.year == end.year \
            and (end + timedelta(days=1)).month != end.month:
        return babel_date(start, "MMM y")
    return f"{format_day(start)} – {format_day(end)}"


def format_progress(done, total) -> str:
    """ "6 of 8", "6 av 8". """
    return gettext("%(done)s of %(total)s", done=format_number(done), total=format_number(total))


def language_name(code: str | None) -> str:
    """ "sv" -> "Swedish" (or "svenska"): a language's name in the reader's language."""
    if not code:
        return ""
    try:
        name = Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name


def translated(row, field: str, language: str | None = None) -> str:
    """A text that is data (a rule set's title, a requirement's label) in the reader's language (or
    ``language``): the row's ``translations`` {"sv": {field: text}}, else the text as stored."""
    original = getattr(row, field, None) if not isinstance(row, dict) else row.get(field)
    translations = (row.get("translations") if isinstance(row, dict) else getattr(row, "translations", None)) or {}
    locale = language or str(get_locale() or "")
    for code in (locale, locale.split("_")[0]):
        text = (translations.get(code) or {}).get(field)
        if text:
            return text
    return original or ""


def register(app: Flask) -> None:
    """The one place the interface's filters are registered."""
    app.add_template_filter(format_day, "date")
    app.add_template_filter(format_moment, "datetime")
    app.add_template_filter(format_clock, "time")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_number, "quantity")  # the older name, kept for templates that use it
    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_units, "units")
    app.add_template_filter(format_progress, "progress")
    app.add_template_filter(format_share, "share")
    app.add_template_filter(format_period, "period")
    app.add_template_filter(language_name, "language_name")
    app.add_template_filter(translated, "translated")
