"""What valid input about a person's qualifications is: the administrators' form, the evidence upload."""
from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from ..models.qualifications import QUALIFICATION_CODES
from .base import FormSchema


class QualificationSchema(FormSchema):
    """A qualification an administrator adds or edits; the evidence file travels beside it."""

    code = fields.String(required=True,
                         validate=validate.OneOf(QUALIFICATION_CODES, error=_l("Choose a qualification from the list.")),
                         error_messages={"required": _l("Choose a qualification from the list.")})
    obtained_on = fields.Date(required=True, error_messages={"required": _l("Give the date it was obtained."),
                                                             "invalid": _l("Give the date as YYYY-MM-DD.")})
    training_started_on = fields.Date(load_default=None, error_messages={"invalid": _l("Give the date as YYYY-MM-DD.")})
    note = fields.String(load_default=None, validate=validate.Length(max=500, error=_l("Use at most 500 characters.")))
    remove_evidence = fields.Boolean(load_default=False)
    # The version the form was made from (edits only): a stale save is refused with 409.
    version = fields.Integer(load_default=None)

    @validates("obtained_on")
    def not_in_the_future(self, value, **_kwargs):
        if value > date.today():
            raise ValidationError(_l("The date cannot be in the future."))

    @validates_schema
    def training_began_before_it_was_obtained(self, data, **_kwargs):
        started, obtained = data.get("training_started_on"), data.get("obtained_on")
        if started is not None and obtained is not None and started > obtained:
            raise ValidationError(_l("The training cannot begin after the qualification was obtained."),
                                  field_name="training_started_on")


class QualificationEvidenceSchema(FormSchema):
    """The person's own upload of evidence for a qualification: nothing but the file, and the version."""

    version = fields.Integer(load_default=None)
