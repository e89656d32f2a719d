from marshmallow import fields, validate

from .base import FormSchema


class LoginSchema(FormSchema):
    email = fields.Email(required=True, error_messages={"required": "Enter your e-mail address."})
    password = fields.String(required=True, error_messages={"required": "Enter your password."})
    next = fields.String(load_default=None)


class PasswordChangeSchema(FormSchema):
    current_password = fields.String(required=True, error_messages={"required": "Enter your current password."})
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=128),
                                 error_messages={"required": "Choose a new password."})
