"""A row of the group CSV. (A row of the member CSV is ``schemas.members.MemberSchema``.)"""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates

from ..models.groups import FORMATS, GROUP_STATUSES, RHYTHMS
from ..models.people import PROFESSIONS
from .base import FormSchema
from .members import _code, choice

TRUTHY = {"yes", "y", "true", "1", "ja", "j", "on", "x"}
FALSY = {"no", "n", "false", "0", "nej", "off"}


class GroupRowSchema(FormSchema):
    """One group; ``audience`` is professions separated by semicolons ("gp;resident")."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    city = fields.String(load_default=None, validate=validate.Length(max=100))
    country = fields.String(load_default=None, validate=validate.Regexp(
        r"^[A-Z]{2}$", error=_l("Two letters, e.g. SE.")))
    format = choice(FORMATS, required=True)
    language = fields.String(load_default=None, validate=validate.Length(min=2, max=5))
    audience = fields.String(required=True)
    rhythm = choice(RHYTHMS, required=True)
    session_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=600))
    starts_on = fields.Date(load_default=None)
    accepting_members = fields.Boolean(load_default=False, truthy=TRUTHY, falsy=FALSY)
    status = choice(GROUP_STATUSES, load_default="forming")

    @pre_load
    def normalise(self, data, **_kwargs):
        data = dict(data)
        for key in ("format", "rhythm", "status"):
            if key in data:
                data[key] = _code(data[key])
        if isinstance(data.get("country"), str):
            data["country"] = data["country"].strip().upper()
        if isinstance(data.get("accepting_members"), str):
            data["accepting_members"] = data["accepting_members"].strip().lower()
        return data

    @validates("audience")
    def known_professions(self, value, **_kwargs):
        codes = [_code(part) for part in value.split(";") if part.strip()]
        if not codes:
            raise ValidationError(_l("Name at least one profession."))
        unknown = [code for code in codes if code not in PROFESSIONS]
        if unknown:
            raise ValidationError(_l("Unknown profession: %(codes)s. Choose from: %(choices)s.",
                                     codes=", ".join(unknown), choices=", ".join(PROFESSIONS)))

    @post_load
    def audience_list(self, data, **_kwargs):
        data["audience"] = sorted({_code(part) for part in data["audience"].split(";") if part.strip()})
        return data


class UploadSchema(FormSchema):
    """The upload form (the file itself comes separately, in request.files)."""

    kind = fields.String(required=True, validate=validate.OneOf(("members", "groups")))
