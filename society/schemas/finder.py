"""Join details, exceptions to a group's rhythm, the public finder's search and its contact form.

Validators raise; blank form fields mean "not given" (``FormSchema``).
"""
from datetime import datetime
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates, validates_schema

from ..models.groups import EXCEPTION_KINDS, FORMATS, SETTINGS, TERMS
from ..models.people import PROFESSIONS
from .base import FormSchema

CHECKBOX = {"truthy": {"y", "on", "1", "true"}, "falsy": {"0", "false", "off"}}


class JoinDetailsFormSchema(FormSchema):
    """What a joiner needs, as administrators and the group's leaders edit it."""

    version_id = fields.Integer(load_default=None, strict=False)
    setting = fields.String(load_default=None, validate=validate.OneOf(SETTINGS))
    term = fields.String(load_default="ongoing", validate=validate.OneOf(TERMS))
    ends_on = fields.Date(load_default=None)
    accepting_members = fields.Boolean(load_default=False, **CHECKBOX)
    open_places = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=0, max=100))
    meeting_weekday = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=0, max=6))
    meeting_time = fields.Time(load_default=None, format="%H:%M",
                               error_messages={"invalid": _l("A time such as 18:30.")})
    timezone = fields.String(load_default=None, validate=validate.Length(max=64))
    city = fields.String(load_default=None, validate=validate.Length(max=100))
    address = fields.String(load_default=None, validate=validate.Length(max=300))
    cme_recognised = fields.Boolean(load_default=False, **CHECKBOX)
    cme_recognised_by = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates("timezone")
    def a_known_time_zone(self, value, **_kwargs):
        if value is not None and value not in available_timezones():
            raise ValidationError(str(_l("A time zone such as Europe/Stockholm.")))


class SessionExceptionFormSchema(FormSchema):
    """A cancelled or moved session: the date the rhythm gives, and for a move the new local date and time."""

    occurs_on = fields.Date(required=True, error_messages={"required": _l("Which session (its usual date)?")})
    kind = fields.String(required=True, validate=validate.OneOf(EXCEPTION_KINDS))
    moved_to = fields.DateTime(load_default=None, format="%Y-%m-%dT%H:%M",
                               error_messages={"invalid": _l("A date and time such as 2026-03-05T18:30.")})
    note = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates("moved_to")
    def local_time(self, value: datetime | None, **_kwargs):
        if value is not None and value.tzinfo is not None:
            raise ValidationError(str(_l("A local date and time, without a zone.")))

    @validates_schema
    def a_move_says_when(self, data, **_kwargs):
        if data.get("kind") == "moved" and data.get("moved_to") is None:
            raise ValidationError(str(_l("When does the moved session take place?")), field_name="moved_to")


class FinderQuerySchema(FormSchema):
    """The public finder's search (query string); a value not understood is dropped and named."""

    class Meta:
        unknown = EXCLUDE

    city = fields.String(load_default=None, validate=validate.Length(max=100))
    profession = fields.String(load_default=None, validate=validate.OneOf(PROFESSIONS))
    language = fields.String(load_default=None, validate=validate.Regexp(r"^[a-z]{2}$"))
    format = fields.String(load_default=None, validate=validate.OneOf(FORMATS))
    open = fields.Boolean(load_default=False, **CHECKBOX)


class ContactFormSchema(FormSchema):
    """A message to a group's leaders from someone who wants to join."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=100),
                         error_messages={"required": _l("Your name, please.")})
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         error_messages={"required": _l("Your e-mail address, so the leaders can answer.")})
    message = fields.String(required=True, validate=validate.Length(min=10, max=3000),
                            error_messages={"required": _l("Write a few words to the leaders.")})
    started = fields.String(required=True, validate=validate.Length(max=200))  # the signed time token
    website = fields.String(load_default=None)  # the honeypot: people leave it empty
