"""What the flags inbox accepts: its filters and an acknowledgement."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..models.flags import FLAG_KINDS, SUBJECT_TYPES
from ..services.flags.inbox import STATES
from . import limits
from .base import FormSchema


class FlagFilterSchema(FormSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(FLAG_KINDS))
    state = fields.String(load_default="open", validate=validate.OneOf(STATES))
    subject_type = fields.String(load_default=None, validate=validate.OneOf(SUBJECT_TYPES))
    subject_id = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=1))
    page = fields.Integer(load_default=1, strict=False, validate=validate.Range(min=1, max=limits.MAX_PAGE))


class AcknowledgeSchema(FormSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                         error_messages={"required": _l("Say what was done or why the flag can wait.")})
    back = fields.String(load_default=None, validate=validate.Length(max=500))
