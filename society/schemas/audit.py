"""The audit page's filters (a query string)."""
from flask_babel import gettext
from marshmallow import EXCLUDE, ValidationError, fields, pre_load, validate, validates_schema

from . import limits
from .base import InputSchema


class AuditFilterSchema(InputSchema):
    class Meta:
        unknown = EXCLUDE

    entity_type = fields.String(load_default=None, validate=validate.Length(max=60))
    action = fields.String(load_default=None, validate=validate.Length(max=40))
    actor = fields.String(load_default=None, validate=validate.Length(max=254))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=limits.MAX_PAGE))

    @pre_load
    def drop_blanks(self, data, **_kwargs):
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}

    @validates_schema
    def dates_in_order(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError(gettext("The end date is before the start date."), "date_to")
