import re

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates, validates_schema

from ..services.platform.logins import INVITABLE_ROLES

from .base import FormSchema


class LoginSchema(FormSchema):
    email = fields.Email(required=True, error_messages={"required": _l("Enter your e-mail address.")})
    password = fields.String(required=True, error_messages={"required": _l("Enter your password.")})
    next = fields.String(load_default=None)


class PasswordChangeSchema(FormSchema):
    current_password = fields.String(required=True, error_messages={"required": _l("Enter your current password.")})
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=128),
                                 error_messages={"required": _l("Choose a new password.")})


class CodeSchema(FormSchema):
    """A six-digit code from the authenticator app, or a recovery code."""
    code = fields.String(required=True, validate=validate.Length(max=40),
                         error_messages={"required": _l("Enter the code from your authenticator app.")})


class TwoFactorOffSchema(FormSchema):
    password = fields.String(load_default="")
    code = fields.String(load_default="", validate=validate.Length(max=40))


FRAME_SOURCE = re.compile(r"^https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$", re.IGNORECASE)


class SocietySettingsSchema(FormSchema):
    require_admin_2fa = fields.Boolean(load_default=False, truthy={"y", "on", "1", "true"}, falsy={"0", "false", "off"})
    # Sites that may embed the public finder: CSP frame-ancestors sources, nothing else may slip into the header.
    finder_frame_ancestors = fields.String(load_default=None, validate=validate.Length(max=500))

    @validates("finder_frame_ancestors")
    def only_site_addresses(self, value, **_kwargs):
        sources = (value or "").split()
        if len(sources) > 10 or not all(FRAME_SOURCE.match(source) for source in sources):
            raise ValidationError(str(_l("Up to ten site addresses such as https://www.example.org, separated by spaces.")))

    @post_load
    def one_space_between(self, data, **_kwargs):
        if data.get("finder_frame_ancestors"):
            data["finder_frame_ancestors"] = " ".join(data["finder_frame_ancestors"].lower().split())
        return data


class SetPasswordSchema(FormSchema):
    """Choosing a password through an invitation or reset link; the policy is checked by the service."""
    password = fields.String(required=True, error_messages={"required": _l("Choose a password.")})
    password_confirm = fields.String(required=True, error_messages={"required": _l("Type the password again.")})

    @validates_schema
    def passwords_match(self, data, **_kwargs):
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            raise ValidationError(_l("The two passwords differ."), "password_confirm")


class ResetRequestSchema(FormSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         error_messages={"required": _l("Enter your e-mail address.")})


class InvitationSchema(FormSchema):
    role = fields.String(required=True, validate=validate.OneOf(INVITABLE_ROLES, error=_l("Choose a role.")),
                         error_messages={"required": _l("Choose a role.")})
