"""Base schemas. marshmallow 4 ignores a validator that returns False, so every
validator here raises ValidationError."""
from flask_babel import gettext
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from . import limits

# marshmallow's own messages are plain English; these are the ones our fields can give, worded
# in the reader's language as they are turned into text (the catalogue holds their translations).
def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


BUILT_IN_MESSAGES = frozenset((
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Not a valid string."), N_("Not a valid email address."), N_("Not a valid date."),
    N_("Not a valid integer."), N_("Not a valid number."), N_("Not a valid boolean."), N_("Unknown field."),
))


class InputSchema(Schema):
    """Every input schema: text without control characters, integers and amounts within what
    the columns hold (``schemas/limits.py``), unless a field sets tighter bounds itself."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _bound(field_obj)


def _bound(field: fields.Field) -> None:
    if isinstance(field, fields.List):
        _bound(field.inner)
        return
    has_upper = any(isinstance(v, validate.Range) and v.max is not None for v in field.validators)
    if isinstance(field, fields.String):
        # A field with a pattern of its own keeps it alone (the OpenAPI document shows one pattern).
        if not any(isinstance(v, validate.Regexp) for v in field.validators):
            field.validators.append(limits.no_control_characters())
    elif isinstance(field, fields.Integer) and not has_upper:
        field.validators.append(limits.integer_range())
    elif isinstance(field, fields.Decimal) and not has_upper:
        field.validators.append(limits.amount_range())


class StrictSchema(InputSchema):
    """JSON input: unknown fields are an error that names them."""

    class Meta:
        unknown = RAISE


class FormSchema(InputSchema):
    """HTML form input: blank fields mean "not given", and the CSRF token is not data.

    Our messages are lazy translations; marshmallow wraps only plain strings in lists,
    so the errors become lists of text here, in the language of the request."""

    class Meta:
        unknown = RAISE

    def handle_error(self, error: ValidationError, data, **kwargs):
        _as_text(error.messages)

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


def _as_text(messages) -> None:
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    for key, value in list(items):
        if isinstance(value, dict):
            _as_text(value)
        elif isinstance(value, (list, tuple)):
            messages[key] = [item if isinstance(item, dict) else _text(item) for item in value]
        else:
            messages[key] = [_text(value)] if isinstance(messages, dict) else _text(value)


def _text(message) -> str:
    return gettext(message) if isinstance(message, str) and message in BUILT_IN_MESSAGES else str(message)


def load_filters(schema: Schema, args) -> tuple[dict, dict, dict]:
    """A list's filters from its query string: a value the schema refuses is dropped (and named in
    the errors) rather than failing the page. Returns (data, errors, the raw values kept, for links)."""
    raw = args.to_dict()
    errors = schema.validate(raw)
    for key in errors:
        raw.pop(key, None)
    return schema.load(raw), errors, raw


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
