"""Base schemas. marshmallow 4 ignores a validator that returns False, so every
validator here raises ValidationError."""
from marshmallow import RAISE, Schema, ValidationError, pre_load


class StrictSchema(Schema):
    """JSON input: unknown fields are an error that names them."""

    class Meta:
        unknown = RAISE


class FormSchema(Schema):
    """HTML form input: blank fields mean "not given", and the CSRF token is not data."""

    class Meta:
        unknown = RAISE

    @pre_load
    def drop_blanks(self, data, **_kwargs):
        cleaned = {}
        for key, value in data.items():
            if key == "csrf_token":
                continue
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
            cleaned[key] = value
        return cleaned


def load_form(schema: Schema, formdata) -> tuple[dict | None, dict]:
    """Validate a submitted form: (data, {}) on success, (None, errors by field) on failure."""
    raw = {}
    for key in formdata.keys():
        values = formdata.getlist(key)
        many = key in schema.fields and getattr(schema.fields[key], "many_values", False)
        raw[key] = values if many else values[-1]
    try:
        return schema.load(raw), {}
    except ValidationError as error:
        return None, error.messages


def must(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)
