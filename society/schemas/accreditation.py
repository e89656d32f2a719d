"""Decisions on accreditations, starting a pathway, applying."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, fields, validate

from ..services.accreditation.listing import LIST_STATUSES
from .base import FormSchema

class AccreditationListSchema(FormSchema):
    """The administrators' list: a status tab (applications by default, or "all") and a search."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="applied", validate=validate.OneOf(LIST_STATUSES))
    q = fields.String(load_default="")


class DecisionSchema(FormSchema):
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    public_reason = fields.String(load_default=None, validate=validate.Length(max=300))
    on = fields.Date(load_default=None)


class ReasonedDecisionSchema(DecisionSchema):
    reason = fields.String(required=True, validate=validate.Length(max=2000),
                           error_messages={"required": _l("Give a reason; it is kept in the history.")})


class MoveVersionSchema(ReasonedDecisionSchema):
    version_id = fields.Integer(required=True, error_messages={"required": _l("Choose the version.")})


class StartPathwaySchema(FormSchema):
    person_id = fields.Integer(required=True, error_messages={"required": _l("Choose the person.")})
    rule_set_id = fields.Integer(required=True, error_messages={"required": _l("Choose the rule set.")})
    training_started_on = fields.Date(required=True, error_messages={"required": _l("Say when training started.")})
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


class ApplySchema(FormSchema):
    accreditation_id = fields.Integer(required=True)


class ProgressDaySchema(FormSchema):
    """The day a progress report is drawn up for (today when not given)."""

    on = fields.Date(load_default=None)


class SupervisorListingSchema(FormSchema):
    """A member put on the society's list of supervisors, from a day."""

    person_id = fields.Integer(required=True, error_messages={"required": _l("Choose the person.")})
    listed_from = fields.Date(required=True, error_messages={"required": _l("Give the first day on the list."),
                                                             "invalid": _l("Give the date as YYYY-MM-DD.")})
    note = fields.String(load_default=None, validate=validate.Length(max=300, error=_l("Use at most 300 characters.")))


class EndListingSchema(FormSchema):
    """The last day a supervisor is on the list."""

    listed_until = fields.Date(required=True, error_messages={"required": _l("Give the last day on the list."),
                                                              "invalid": _l("Give the date as YYYY-MM-DD.")})
