"""What a valid webhook subscription is: an http(s) URL, an optional ``whsec_`` secret, event types.
Validators raise."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates

from ..models.webhooks import WEBHOOK_EVENT_TYPES
from ..services.platform.webhooks import is_web_url, signing_key
from .base import FormSchema, must


class EventList(fields.List):
    """Event types from checkboxes (many values) or "group.created group.closed" (the CLI)."""

    many_values = True

    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.OneOf(WEBHOOK_EVENT_TYPES)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        return sorted(set(super()._deserialize(value, attr, data, **kwargs)))


class SubscriptionSchema(FormSchema):
    url = fields.String(required=True, validate=validate.Length(max=2000))
    secret = fields.String(load_default=None, validate=validate.Length(max=200))
    events = EventList(load_default=list)

    @validates("url")
    def _web_url(self, value: str, **_kwargs) -> None:
        must(is_web_url(value), _l("Give an http:// or https:// address."))

    @validates("secret")
    def _secret(self, value: str | None, **_kwargs) -> None:
        if value is None:
            return
        try:
            signing_key(value)
        except ValueError as error:
            raise ValidationError(_l("A secret is whsec_ followed by 24 to 64 bytes in base64; leave it empty "
                                     "to have one made.")) from error


class WebhookActionSchema(FormSchema):
    """Enable, disable, resend: nothing but the CSRF token."""
