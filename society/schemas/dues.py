"""What valid input is for a member's own details, bank payment files.
Every validator raises."""
from marshmallow import fields, pre_load, validate

from .base import FormSchema
from .members import PHONE


class ContactSchema(FormSchema):
    """A member's own contact details; the edit carries the version it was made from (409 when stale)."""

    given_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    family_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, validate=PHONE)
    city = fields.String(load_default=None, validate=validate.Length(max=100))
    version = fields.Integer(required=True)

    @pre_load
    def normalise(self, data, **_kwargs):
        data = dict(data)
        if isinstance(data.get("email"), str):
            data["email"] = data["email"].strip().lower()
        return data


class PaymentCommitSchema(FormSchema):
    """Committing a previewed bank file: the preview's fingerprint must still hold."""

    fingerprint = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))


class SubscriptionSchema(FormSchema):
    subscribed = fields.Boolean(load_default=False)

