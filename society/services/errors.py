"""Domain errors raised by services; each surface turns them into its own answer."""


class DomainError(Exception):
    """A request the domain refuses; ``status`` is the HTTP status that fits."""

    status = 400
    title = "Request refused"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"

    def __init__(self, message: str, *, errors: dict | None = None, field: str | None = None):
        super().__init__(message, field=field)
        self.errors = errors or {}
