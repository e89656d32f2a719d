"""Certificates: what a typed number, a search and a verification answer look like."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from ..services.certificates.issuing import STATUSES, normalize_number
from . import limits
from .base import FormSchema, must

NUMBER_HELP = _l("A certificate number looks like %(example)s.", example="SBS-2026-7K3Q9P")


def _number_format(value: str) -> None:
    must(normalize_number(value) is not None, str(NUMBER_HELP))


class VerifyFormSchema(FormSchema):
    number = fields.String(required=True, validate=[validate.Length(max=40), _number_format],
                           error_messages={"required": _l("Enter the certificate number.")})

    @post_load
    def canonical(self, data, **_kwargs):
        data["number"] = normalize_number(data["number"])
        return data


class CertificateSearchSchema(FormSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=limits.MAX_PAGE))


class CertificateExportSchema(FormSchema):
    """The list's search, or the day of a batch: the export of either page."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default=None, validate=validate.Length(max=100))
    on = fields.Date(load_default=None)


class IssuedOnSchema(FormSchema):
    on = fields.Date(required=True, error_messages={"required": _l("Give the day the certificates were issued.")})


class SocietyOut(Schema):
    code = fields.String()
    name = fields.String()


class VerificationSchema(Schema):
    """The public answer about a certificate: its standing and what is printed on it, nothing more."""

    number = fields.String(metadata={"example": "SBS-2026-7K3Q9P"})
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={
        "description": "valid, expiring (within the rule set's warning lead time), expired, suspended, revoked, "
                       "invalid (not in force on the day checked), or withdrawn (the holder's data was erased; no name is given)"})
    reason = fields.String(allow_none=True, metadata={"description": "The society's public reason, when suspended or revoked."})
    holder_name = fields.String()
    credential = fields.String()
    rule_set_version = fields.String()
    society = fields.Nested(SocietyOut)
    issued_on = fields.Date()
    granted_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    checked_on = fields.Date(metadata={"description": "The day the status applies to (today)."})
    kind = fields.String(metadata={"description": "accreditation (a leader's), attendance, or participant_credential"})
    period_start = fields.Date(allow_none=True, metadata={"description": "The first day an attendance certificate covers."})
    period_end = fields.Date(allow_none=True, metadata={"description": "The last day an attendance certificate covers."})
    hours = fields.String(allow_none=True, metadata={"description": "Hours of Balint work attended (attendance).",
                                                     "example": "27.00"})


class AttendanceYearSchema(FormSchema):
    """A year of attendance to certify, and (for a participant in several) the society's id."""

    year = fields.Integer(required=True, validate=validate.Range(min=1900, max=2200),
                          error_messages={"required": _l("Give the year.")})
    society_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=limits.MAX_ID))


class FollowCredentialSchema(FormSchema):
    rule_set_id = fields.Integer(required=True, validate=validate.Range(min=1, max=limits.MAX_ID),
                                 error_messages={"required": _l("Choose a credential.")})
