"""What valid input about training records is: the leader's log form, list filters, decisions."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from ..models.training import MINUTES_PER_UNIT, RECORD_KINDS, RECORD_STATUSES, UNITS
from ..presentation.records import PROVIDERS, REPORT_KINDS, TAGS
from ..services.training.ledger import LOGGABLE_KINDS
from .base import FormSchema

MAX_UNITS = Decimal(1000)
MAX_MINUTES = 14400  # ten days: more than any single record can hold
MAX_DAYS = 60  # how many days one record (an intensive, a course) may last


class TranslatedFormSchema(FormSchema):
    """Messages are lazy translations; marshmallow wraps only plain strings in lists, so the
    errors are turned into lists of text here, in the language of the request."""

    def handle_error(self, error: ValidationError, data, **kwargs):
        _as_text(error.messages)


def _as_text(messages: dict) -> None:
    for key, value in messages.items():
        if isinstance(value, dict):
            _as_text(value)
        elif isinstance(value, (list, tuple)):
            messages[key] = [str(item) for item in value]
        else:
            messages[key] = [str(value)]


class ManyValues(fields.List):
    """A form field sent several times (checkboxes with one name)."""

    many_values = True


class RecordFactsSchema(TranslatedFormSchema):
    """The facts rule sets filter on, chosen from the known codes (a rule names a code, not a word):
    on the leader's form, and alone on the administrators' record page."""

    # The facts rule sets filter on: chosen from the known codes (a rule names a code, not a word).
    provider = fields.String(load_default=None, validate=validate.OneOf(PROVIDERS, error=_l("Choose a provider from the list.")))
    report_kind = fields.String(load_default=None,
                                validate=validate.OneOf(REPORT_KINDS, error=_l("Choose a report kind from the list.")))
    tags = ManyValues(fields.String(), load_default=list,
                      validate=validate.ContainsOnly(TAGS, error=_l("Choose only facts from the list.")))
    days = fields.Integer(load_default=None, strict=False,
                          validate=validate.Range(min=1, max=MAX_DAYS, error=_l("Give whole days from 1 to 60.")),
                          error_messages={"invalid": _l("Give whole days from 1 to 60.")})


class AdminRecordFactsSchema(RecordFactsSchema):
    """The administrators keep a provider an imported file named, though the list lacks it."""

    provider = fields.String(load_default=None, validate=validate.Length(max=40, error=_l("Use at most 40 characters.")))


class RecordFormSchema(RecordFactsSchema):
    """A record a leader logs or edits. The evidence file travels beside it, not in it."""

    kind = fields.String(required=True, validate=validate.OneOf(LOGGABLE_KINDS, error=_l("Choose what kind of training this was.")),
                         error_messages={"required": _l("Choose what kind of training this was.")})
    occurred_on = fields.Date(required=True, error_messages={"required": _l("Give the date."),
                                                             "invalid": _l("Give the date as YYYY-MM-DD.")})
    unit = fields.String(required=True, validate=validate.OneOf(UNITS, error=_l("Choose a unit.")),
                         error_messages={"required": _l("Choose a unit.")})
    units = fields.Decimal(required=True, places=2,
                           validate=validate.Range(min=0, min_inclusive=False, max=MAX_UNITS,
                                                   error=_l("Give a number above 0 and at most 1000.")),
                           error_messages={"required": _l("Give how many units."), "invalid": _l("Give a number, such as 1 or 1.5.")})
    minutes = fields.Integer(required=True, strict=False,
                             validate=validate.Range(min=0, max=MAX_MINUTES, error=_l("Give whole minutes between 0 and 14400.")),
                             error_messages={"required": _l("Give the length in minutes."), "invalid": _l("Give whole minutes.")})
    in_person = fields.Boolean(load_default=False)
    title = fields.String(load_default=None, validate=validate.Length(max=200, error=_l("Use at most 200 characters.")))
    group_id = fields.Integer(load_default=None, error_messages={"invalid": _l("Choose one of your own groups.")})
    supervisor_email = fields.Email(load_default=None)
    remove_evidence = fields.Boolean(load_default=False)

    @validates_schema
    def report_kind_for_reports(self, data, **_kwargs):
        """A report kind says what a supervisor's report is; no other record has one, every report does."""
        if data.get("kind") == "supervisor_report" and not data.get("report_kind"):
            raise ValidationError(_l("Choose what kind of report this is."), field_name="report_kind")
        if data.get("report_kind") and data.get("kind") not in (None, "supervisor_report"):
            raise ValidationError(_l("Only a supervisor report has a report kind; leave it blank."), field_name="report_kind")

    @validates_schema
    def minutes_agree_with_units(self, data, **_kwargs):
        """Hours and double sessions have a fixed length, so "2 hours · 30 min" cannot be."""
        per_unit = MINUTES_PER_UNIT.get(data.get("unit"))
        if per_unit is None or data.get("units") is None or data.get("minutes") is None:
            return
        expected = data["units"] * per_unit
        if Decimal(data["minutes"]) != expected:
            units, total = format(data["units"].normalize(), "f"), format(expected.normalize(), "f")
            raise ValidationError(_l("%(units)s × %(per_unit)s minutes make %(expected)s minutes; give those minutes "
                                     "or change the number of units.", units=units, per_unit=per_unit,
                                     expected=total), field_name="minutes")


class _FilterSchema(TranslatedFormSchema):
    """Query-string filters: unknown arguments are ignored rather than refused."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.String(load_default=None, validate=validate.OneOf(RECORD_KINDS, error=_l("Choose a kind from the list.")))
    date_from = fields.Date(load_default=None, error_messages={"invalid": _l("Give the date as YYYY-MM-DD.")})
    date_to = fields.Date(load_default=None, error_messages={"invalid": _l("Give the date as YYYY-MM-DD.")})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error=_l("Pages start at 1.")))

    @validates_schema
    def dates_in_order(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_l("The end date comes before the start date."), field_name="date_to")


class MyRecordsFilterSchema(_FilterSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(RECORD_STATUSES, error=_l("Choose a status from the list.")))


class ReviewFilterSchema(_FilterSchema):
    """The administrators' review list: pending by default, "all" shows every status."""

    status = fields.String(load_default="pending",
                           validate=validate.OneOf((*RECORD_STATUSES, "all"), error=_l("Choose a status from the list.")))
    q = fields.String(load_default=None, validate=validate.Length(max=100, error=_l("Use at most 100 characters.")))
    person_id = fields.Integer(load_default=None)


class DecisionSchema(TranslatedFormSchema):
    """Approve or reject the selected records; a rejection needs a reason."""

    record_ids = ManyValues(fields.Integer(), required=True,
                            validate=validate.Length(min=1, error=_l("Select at least one record.")),
                            error_messages={"required": _l("Select at least one record.")})
    action = fields.String(required=True, validate=validate.OneOf(("approve", "reject"), error=_l("Choose approve or reject.")))
    reason = fields.String(load_default=None, validate=validate.Length(max=2000, error=_l("Use at most 2000 characters.")))
    next = fields.String(load_default=None)

    @validates_schema
    def reason_for_rejection(self, data, **_kwargs):
        if data.get("action") == "reject" and not data.get("reason"):
            raise ValidationError(_l("Give a reason for the rejection; the leader will read it."), field_name="reason")
