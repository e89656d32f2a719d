from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from .base import FormSchema


class LoginSchema(FormSchema):
    email = fields.Email(required=True, error_messages={"required": _l("Enter your e-mail address.")})
    password = fields.String(required=True, error_messages={"required": _l("Enter your password.")})
    next = fields.String(load_default=None)


class PasswordChangeSchema(FormSchema):
    current_password = fields.String(required=True, error_messages={"required": _l("Enter your current password.")})
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=128),
                                 error_messages={"required": _l("Choose a new password.")})
