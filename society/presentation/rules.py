"""How rules read on the pages: kinds, units, windows, conditions and amounts."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..schemas.rules import TRANSLATION_LANGUAGES
from .qualifications import QUALIFICATION_LABELS

KIND_LABELS = {
    "participation": _l("Group participation"), "co_leading": _l("Co-leading"), "leading": _l("Leading"),
    "intensive": _l("Intensive or seminar"), "supervision": _l("Supervision"),
    "supervisor_report": _l("Supervisor's report"), "portfolio": _l("Portfolio"),
}
UNIT_LABELS = {
    "session": _l("session"), "double_session": _l("double session"), "hour": _l("hour"),
    "case_discussion": _l("case discussion"), "event": _l("event"),
}
UNIT_PLURALS = {
    "session": _l("sessions"), "double_session": _l("double sessions"), "hour": _l("hours"),
    "case_discussion": _l("case discussions"), "event": _l("events"),
}
WINDOW_LABELS = {
    "none": _l("any time"), "before_training": _l("before training started"),
    "after_training": _l("since training started"), "rolling_months": _l("in the last N months"),
    "per_year": _l("in the last 12 months"),
}
CONDITION_LABELS = {
    "psychodynamically_trained": _l("psychodynamically trained"),
    "psychotherapy_qualified": _l("qualified in psychotherapy"),
}

# A rhythm's periods, in the plural ("in each of 24 consecutive months").
PERIOD_PLURALS = {
    "month": _l("months"), "quarter": _l("quarters"), "half_year": _l("half years"),
    "year": _l("calendar years"), "training_year": _l("years of training"),
}


def quantity(value) -> str:
    """20.00 -> "20", 19.50 -> "19.5": amounts as people write them."""
    if value is None:
        return ""
    text = format(Decimal(value).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def label_context() -> dict:
    """What templates need to show rules in words, and the choices of the requirement form."""
    return dict(
        KIND_LABELS=KIND_LABELS, UNIT_LABELS=UNIT_LABELS, UNIT_PLURALS=UNIT_PLURALS, WINDOW_LABELS=WINDOW_LABELS,
        CONDITION_LABELS=CONDITION_LABELS, PERIOD_PLURALS=PERIOD_PLURALS, QUALIFICATION_LABELS=QUALIFICATION_LABELS,
        KIND_CHOICES=list(KIND_LABELS.items()), UNIT_CHOICES=list(UNIT_LABELS.items()),
        WINDOW_CHOICES=list(WINDOW_LABELS.items()), CONDITION_CHOICES=list(CONDITION_LABELS.items()),
        TRANSLATION_LANGUAGES=TRANSLATION_LANGUAGES,
    )
