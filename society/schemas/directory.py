"""The public directory of groups: what a client may ask, and what it gets back.

The output schemas are the allowlist of what the directory publishes: a group's
public facts and its leaders' names and accreditation, nothing else about people
(no participants, no e-mail or phone). They are strict, so the OpenAPI document
says ``additionalProperties: false`` and a client can rely on it.
"""
from datetime import timezone

from marshmallow import fields, post_load, validate

from ..models.groups import FORMATS, GROUP_STATUSES, LEADER_ROLES, RHYTHMS, SETTINGS, TERMS
from ..models.people import PROFESSIONS
from .api import PageQuerySchema, PaginationSchema
from .base import StrictSchema

OPEN_STATUSES = ("forming", "active", "paused")
LEADER_STANDINGS = ("accredited", "in_training", "not_accredited")
PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="Control characters are not allowed.")
STRICT_TRUE, STRICT_FALSE = {"true"}, {"false"}


def _flag(description: str) -> fields.Boolean:
    return fields.Boolean(truthy=STRICT_TRUE, falsy=STRICT_FALSE, metadata={"description": description})


class GroupQuerySchema(PageQuerySchema):
    """Filters for GET /groups. Unknown parameters are refused, naming them."""

    society = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,12}$"),
                            metadata={"description": "Society code, e.g. `SBS`."})
    country = fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$"),
                            metadata={"description": "ISO 3166-1 alpha-2 country code."})
    city = fields.String(validate=[validate.Length(min=1, max=100), PRINTABLE],
                         metadata={"description": "City, exactly as the directory spells it."})
    language = fields.String(validate=validate.Regexp(r"^[a-z]{2}(-[A-Z]{2})?$"),
                             metadata={"description": "Language the group meets in (ISO 639-1), e.g. `sv`."})
    format = fields.String(validate=validate.OneOf(FORMATS), metadata={"description": "How the group meets."})
    audience = fields.String(validate=validate.OneOf(PROFESSIONS),
                             metadata={"description": "A profession the group is meant for."})
    accepting_members = _flag("Only groups that are (`true`) or are not (`false`) accepting new members.")
    accredited = _flag("Only groups that are (`true`) or are not (`false`) led by an accredited leader today.")
    setting = fields.String(validate=validate.OneOf(SETTINGS), metadata={"description": "Where the group's members work."})
    term = fields.String(validate=validate.OneOf(TERMS),
                         metadata={"description": "`ongoing`, or `time_limited` (ending on `dates.ends_on`)."})
    open_places = _flag("Only groups that are (`true`) or are not (`false`) open to new members with places left "
                        "(an open group that gives no number counts as having places).")
    cme = _flag("Only groups whose sessions are (`true`) or are not (`false`) recognised for CME.")
    leader_profession = fields.String(validate=validate.OneOf(PROFESSIONS),
                                      metadata={"description": "A profession among the group's current leaders."})
    q = fields.String(validate=[validate.Length(min=1, max=100), PRINTABLE],
                      metadata={"description": "Text the group's name contains (case-insensitive)."})
    updated_since = fields.AwareDateTime(
        default_timezone=timezone.utc,
        metadata={"description": "Only groups whose details or leaders changed at or after this moment "
                                 "(ISO 8601; UTC when no offset is given)."})
    status = fields.List(
        fields.String(validate=validate.OneOf(GROUP_STATUSES)), load_default=lambda: list(OPEN_STATUSES),
        metadata={"description": "Statuses to list (repeat the parameter for several). "
                                 "Default: forming, active and paused; ask for `closed` explicitly."})

    @post_load
    def normalise(self, data, **_kwargs):
        if "country" in data:
            data["country"] = data["country"].upper()
        data["status"] = sorted(set(data["status"]))
        return data


class SocietyQuerySchema(PageQuerySchema):
    """GET /societies takes only paging."""


class SocietyRefSchema(StrictSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PlaceSchema(StrictSchema):
    city = fields.String(required=True, allow_none=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2."})
    address = fields.String(required=True, allow_none=True,
                            metadata={"description": "Where the group meets in the city, when given."})


class ScheduleSchema(StrictSchema):
    rhythm = fields.String(required=True, validate=validate.OneOf(RHYTHMS))
    session_minutes = fields.Integer(required=True, metadata={"description": "Length of one session in minutes."})
    weekday = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=0, max=6),
                             metadata={"description": "Day of the week it meets, 0 = Monday ... 6 = Sunday."})
    start_time = fields.Time(required=True, allow_none=True,
                             metadata={"description": "Local start time (HH:MM:SS) in `time_zone`."})
    time_zone = fields.String(required=True, allow_none=True,
                              metadata={"description": "IANA time zone of `start_time`, e.g. `Europe/Stockholm`. "
                                                       "The sessions, with exceptions, are at `/groups/{id}/calendar.ics`."})


class CmeSchema(StrictSchema):
    recognised = fields.Boolean(required=True, metadata={"description": "Sessions count for CME."})
    recognised_by = fields.String(required=True, allow_none=True, metadata={"description": "Who recognises them."})


class JoinSchema(StrictSchema):
    setting = fields.String(required=True, allow_none=True, validate=validate.OneOf(SETTINGS),
                            metadata={"description": "Where the group's members work."})
    term = fields.String(required=True, validate=validate.OneOf(TERMS),
                         metadata={"description": "`ongoing`, or `time_limited` until `dates.ends_on`."})
    open_places = fields.Integer(required=True, allow_none=True,
                                 metadata={"description": "Places open to new members; null when not given."})
    cme = fields.Nested(CmeSchema, required=True)
    leader_professions = fields.List(fields.String(validate=validate.OneOf(PROFESSIONS)), required=True,
                                     metadata={"description": "Professions of the current leaders."})


class DatesSchema(StrictSchema):
    starts_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True)


class LeaderAccreditationSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(LEADER_STANDINGS),
                           metadata={"description": "`accredited`: holds a valid accreditation today; "
                                                    "`in_training`: a trainee leader; otherwise `not_accredited`."})
    credential = fields.String(required=True, allow_none=True,
                               metadata={"description": "Title of the credential held, when accredited."})
    valid_until = fields.Date(required=True, allow_none=True,
                              metadata={"description": "Last day of validity; null when it does not expire or is not held."})
    certificate_number = fields.String(required=True, allow_none=True,
                                       metadata={"description": "Latest certificate of the valid accreditation, if any."})


class LeaderSchema(StrictSchema):
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(LEADER_ROLES))
    trainee = fields.Boolean(required=True, metadata={"description": "Leads as a trainee, under supervision."})
    accreditation = fields.Nested(LeaderAccreditationSchema, required=True)


class GroupSchema(StrictSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    society = fields.Nested(SocietyRefSchema, required=True)
    place = fields.Nested(PlaceSchema, required=True)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    language = fields.String(required=True)
    audience = fields.List(fields.String(validate=validate.OneOf(PROFESSIONS)), required=True)
    schedule = fields.Nested(ScheduleSchema, required=True)
    accepting_members = fields.Boolean(required=True)
    join = fields.Nested(JoinSchema, required=True, metadata={"description": "What someone who wants to join needs."})
    dates = fields.Nested(DatesSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(GROUP_STATUSES))
    leaders = fields.List(fields.Nested(LeaderSchema), required=True,
                          metadata={"description": "Current leaders (their assignment covers today)."})
    accredited = fields.Boolean(required=True, metadata={
        "description": "At least one current leader who is not a trainee holds a valid accreditation today."})
    updated_at = fields.AwareDateTime(required=True, metadata={
        "description": "Last change to the group's details or its leader assignments."})


class GroupPageSchema(StrictSchema):
    items = fields.List(fields.Nested(GroupSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class SocietySchema(StrictSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    website = fields.String(required=True, allow_none=True)


class SocietyPageSchema(StrictSchema):
    items = fields.List(fields.Nested(SocietySchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)
