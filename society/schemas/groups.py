"""What valid input about groups, their people and their sessions is.

``GroupSchema`` describes a group for JSON and CSV (audiences as a list or as
"gp, nurse"); ``GroupFormSchema`` is the same fields as an HTML form with the
version counter that guards against lost updates. Validators raise.
"""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, post_load, validate, validates, validates_schema

from ..models.groups import FORMATS, GROUP_STATUSES, LEADER_ROLES, RHYTHMS
from ..models.people import PROFESSIONS
from .base import FormSchema, InputSchema, StrictSchema, must

SESSION_FORMATS = ("in_person", "online")


class ProfessionList(fields.List):
    """A list of professions, from a multi-select (many values) or a "gp, nurse" string (CSV)."""

    many_values = True

    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.OneOf(PROFESSIONS)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        professions = super()._deserialize(value, attr, data, **kwargs)
        return sorted(set(professions))


class IdList(fields.List):
    """Checkbox values: person ids, any number of them."""

    many_values = True

    def __init__(self, **kwargs):
        super().__init__(fields.Integer(strict=False, validate=validate.Range(min=1)), **kwargs)


def _ends_not_before_starts(data: dict) -> None:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        raise ValidationError(str(_l("The end cannot come before the start.")), field_name="ends_on")


class TranslatedErrors(InputSchema):
    """Error messages given as lazy strings become plain text, one list per field.

    marshmallow keeps a non-str message as it is (not in a list), so a lazily
    translated message would reach the templates as a bare string-like object."""

    def handle_error(self, error, data, *, many, **kwargs):
        _plain_messages(error.messages)


def _plain_messages(messages):
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(value, (dict, list)):
                _plain_messages(value)
            else:
                messages[key] = [str(value)]
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            if isinstance(value, (dict, list)):
                _plain_messages(value)
            else:
                messages[i] = str(value)


class GroupFields(TranslatedErrors):
    """The fields of a group, shared by the JSON/CSV and the form schemas."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=200),
                         error_messages={"required": _l("Give the group a name.")})
    city = fields.String(load_default=None, validate=validate.Length(max=100))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$", error=_l("Two letters, e.g. SE.")))
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    language = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{2}(-[A-Za-z]{2})?$",
                                                                      error=_l("A language code such as sv or en.")))
    rhythm = fields.String(required=True, validate=validate.OneOf(RHYTHMS))
    session_minutes = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=600))
    starts_on = fields.Date(load_default=None)
    ends_on = fields.Date(load_default=None)
    accepting_members = fields.Boolean(load_default=False)
    status = fields.String(load_default="forming", validate=validate.OneOf(GROUP_STATUSES))
    audiences = ProfessionList(load_default=list)

    @post_load
    def normalise(self, data, **_kwargs):
        data["country"] = data["country"].upper()
        return data

    @validates_schema(skip_on_field_errors=False)
    def dates_in_order(self, data, **_kwargs):
        _ends_not_before_starts(data)


class GroupSchema(GroupFields, StrictSchema):
    """A group as JSON or a CSV row: the importer loads it, the export dumps it."""

    id = fields.Integer(dump_only=True)
    audiences = ProfessionList(load_default=list, attribute="audience_list")

    @post_load
    def audiences_by_name(self, data, **_kwargs):
        # ``attribute`` makes dumping read Group.audience_list; loaded data keeps the field's name.
        if "audience_list" in data:
            data["audiences"] = data.pop("audience_list")
        return data


class GroupFormSchema(GroupFields, FormSchema):
    version_id = fields.Integer(load_default=None, strict=False)


class GroupFilterSchema(FormSchema):
    """The list's filters, from the query string (or the export form); read by ``load_filters``."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(GROUP_STATUSES))
    format = fields.String(load_default=None, validate=validate.OneOf(FORMATS))
    city = fields.String(load_default=None, validate=validate.Length(max=100))
    audience = fields.String(load_default=None, validate=validate.OneOf(PROFESSIONS))
    accepting = fields.String(load_default=None, validate=validate.OneOf(("yes", "no")))


class _DatedFields(TranslatedErrors):
    starts_on = fields.Date(required=True, error_messages={"required": _l("When did it start?")})
    ends_on = fields.Date(load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def dates_in_order(self, data, **_kwargs):
        _ends_not_before_starts(data)


class ParticipantFormSchema(_DatedFields, FormSchema):
    person_id = fields.Integer(required=True, strict=False, error_messages={"required": _l("Choose a member.")})
    q = fields.String(load_default=None)  # the search that found the member, kept for the page


class LeaderFormSchema(ParticipantFormSchema):
    role = fields.String(load_default="leader", validate=validate.OneOf(LEADER_ROLES))
    is_trainee = fields.Boolean(load_default=False)


class EndFormSchema(TranslatedErrors, FormSchema):
    ends_on = fields.Date(required=True, error_messages={"required": _l("Give the last day.")})


class SessionFormSchema(TranslatedErrors, FormSchema):
    """A session and who attended; minutes and format default from the group."""

    held_on = fields.Date(required=True, error_messages={"required": _l("When was the session held?")})
    minutes = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=1, max=600))
    format = fields.String(load_default=None, validate=validate.OneOf(SESSION_FORMATS))
    attendees = IdList(load_default=list)
    # Ticked after the form warned that nobody is marked present.
    confirm_empty = fields.Boolean(load_default=False)

    @validates("attendees")
    def no_duplicates(self, value, **_kwargs):
        must(len(set(value)) == len(value), str(_l("A person was ticked twice.")))


class OpennessFormSchema(TranslatedErrors, FormSchema):
    """An administrator's correction of a group's openness history: closed or open from a day, which is
    neither in the future nor before the group's first day (``starts_on``: its start, else its creation)."""

    state = fields.String(required=True, validate=validate.OneOf(("closed", "open"), error=_l("Choose closed or open.")),
                          error_messages={"required": _l("Choose closed or open.")})
    effective_from = fields.Date(required=True, error_messages={"required": _l("Give the day it took effect."),
                                                                "invalid": _l("Give the date as YYYY-MM-DD.")})

    def __init__(self, *, starts_on, today, **kwargs):
        super().__init__(**kwargs)
        self.starts_on, self.today = starts_on, today

    @validates("effective_from")
    def within_the_groups_life(self, value, **_kwargs):
        if value > self.today:
            raise ValidationError(_l("The day cannot be in the future."))
        if value < self.starts_on:
            raise ValidationError(_l("The day cannot come before the group started (%(day)s).",
                                     day=self.starts_on.isoformat()))

    @post_load
    def accepting(self, data, **_kwargs):
        data["accepting_members"] = data.pop("state") == "open"
        return data
