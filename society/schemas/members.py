"""What valid member input is: one schema per form, shared by the CSV import.

``MemberSchema`` is a row of the member CSV and the core of the member form, so a file
and the form refuse the same things with the same messages. Every validator raises.
"""
from marshmallow import EXCLUDE, fields, pre_load, validate

from flask_babel import lazy_gettext as _l

from ..models.people import END_REASONS, MEMBER_CATEGORIES, PROFESSIONS
from ..services.membership.member_list import SORTS
from ..services.membership.status import STATUSES
from . import limits
from .base import FormSchema, InputSchema

PHONE = validate.Regexp(r"^\+?[0-9 ()./-]{3,40}$", error=_l("Use digits, spaces and + ( ) - . / only."))


def _code(value):
    """'Social worker' -> 'social_worker': CSV files and forms may spell codes loosely."""
    return value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else value


def choice(options, **kwargs):
    return fields.String(validate=validate.OneOf(options, error=_l("Choose one of: {choices}.")), **kwargs)


class MemberSchema(FormSchema):
    """A member: the person and their membership (the columns of the member CSV)."""

    given_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    family_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, validate=PHONE)
    profession = choice(PROFESSIONS, required=True)
    category = choice(MEMBER_CATEGORIES, required=True)
    joined_on = fields.Date(required=True)

    @pre_load
    def normalise(self, data, **_kwargs):
        data = dict(data)
        for key in ("profession", "category"):
            if key in data:
                data[key] = _code(data[key])
        if isinstance(data.get("email"), str):
            data["email"] = data["email"].strip().lower()
        return data


class MemberFormSchema(MemberSchema):
    """The member form: the CSV's columns and what only a person's page asks for."""

    city = fields.String(load_default=None, validate=validate.Length(max=100))
    language = fields.String(load_default="sv", validate=validate.Length(min=2, max=5))
    psychodynamically_trained = fields.Boolean(load_default=False)
    psychotherapy_qualified_on = fields.Date(load_default=None)


class MemberEditSchema(MemberFormSchema):
    """An edit carries the versions it was made from: a stale save is refused (409)."""

    person_version = fields.Integer(required=True)
    membership_version = fields.Integer(required=True)


class EndMembershipSchema(FormSchema):
    ended_on = fields.Date(required=True)
    end_reason = choice(END_REASONS, required=True)


class DuesPaymentSchema(FormSchema):
    period = fields.Integer(required=True, validate=validate.Range(min=1900, max=2999))
    amount = fields.Decimal(required=True, places=2, validate=validate.Range(min=0))
    paid_on = fields.Date(required=True)
    reference = fields.String(load_default=None, validate=validate.Length(max=100))


class DuesPeriodSchema(FormSchema):
    """Raise one period's dues for every member in force."""

    period = fields.Integer(required=True, validate=validate.Range(min=1900, max=2999))
    amount = fields.Decimal(required=True, places=2, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$", error=_l("Three capital letters, e.g. SEK.")))
    due_on = fields.Date(required=True)

    @pre_load
    def upper_currency(self, data, **_kwargs):
        data = dict(data)
        if isinstance(data.get("currency"), str):
            data["currency"] = data["currency"].strip().upper()
        return data


class MemberFilterSchema(InputSchema):
    """The list's query string; the same filters drive the CSV export."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100))
    category = fields.String(load_default=None, validate=validate.OneOf(MEMBER_CATEGORIES))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    unpaid = fields.String(load_default=None, validate=validate.Regexp(r"^(any|[12][0-9]{3})$"))
    sort = fields.String(load_default="name", validate=validate.OneOf(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=limits.MAX_PAGE))

    @pre_load
    def drop_blanks(self, data, **_kwargs):
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()
                if not (isinstance(v, str) and v.strip() == "" and k != "q")}
