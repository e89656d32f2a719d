"""What the privacy forms accept: the erasure's confirmation, a society's retention rules."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates

from .accounts import SocietySettingsSchema
from .base import FormSchema

TRUTHY, FALSY = {"y", "on", "1", "true"}, {"0", "false", "off"}


class EraseSchema(FormSchema):
    confirm = fields.Boolean(load_default=False, truthy=TRUTHY, falsy=FALSY)

    @validates("confirm")
    def confirmed(self, value, **_kwargs):
        if not value:
            raise ValidationError(_l("Tick the box to confirm the erasure."))


def _years(maximum: int = 100):
    # Not given (a blank field): the rule stays as it is.
    return fields.Integer(validate=validate.Range(min=1, max=maximum, error=_l(
        "Give a whole number from {min} to {max}.")))


class SettingsWithRetentionSchema(SocietySettingsSchema):
    """The settings page: the society's settings and its retention rules (columns of ``societies``)."""
    retention_left_member_years = _years()
    retention_import_days = _years(3650)
    retention_login_days = _years(3650)
    retention_flag_years = _years()
    retention_dues_years = _years()
    retention_decision_years = _years()


RETENTION_FIELDS = ("retention_left_member_years", "retention_import_days", "retention_login_days",
                    "retention_flag_years", "retention_dues_years", "retention_decision_years")
