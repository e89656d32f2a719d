"""Domain errors raised by services; each surface turns them into its own answer."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A request the domain refuses; ``status`` is the HTTP status that fits."""

    status = 400
    title = _l("Request refused")

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404
    title = _l("Not found")


class Forbidden(DomainError):
    status = 403
    title = _l("Forbidden")


class Conflict(DomainError):
    status = 409
    title = _l("Conflict")


class InvalidInput(DomainError):
    status = 422
    title = _l("Invalid input")

    def __init__(self, message: str, *, errors: dict | None = None, field: str | None = None):
        super().__init__(message, field=field)
        self.errors = errors or {}
