"""What "run now" accepts: nothing but the CSRF token."""
from .base import FormSchema


class RunNowSchema(FormSchema):
    pass
