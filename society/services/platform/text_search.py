"""Searching text columns for what someone typed: the typed text is matched literally
(``%`` and ``_`` are not wildcards) and without regard to case."""
from sqlalchemy import or_

from ...extensions import db
from ...models import Person


def escape_like(text: str) -> str:
    """``text`` as a LIKE pattern that matches itself (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ilike(column, pattern: str):
    # SQLite's LIKE already ignores (ASCII) case; ilike there would wrap both sides in lower()
    # and keep the planner off any index.
    if db.session.get_bind().dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def contains(column, text: str):
    """Condition: ``column`` contains ``text``."""
    return _ilike(column, f"%{escape_like(text)}%")


def starts_with(column, text: str):
    """Condition: ``column`` starts with ``text``."""
    return _ilike(column, f"{escape_like(text)}%")


def person_matches(word: str):
    """Condition on Person: the given or family name or the e-mail contains ``word``."""
    return or_(contains(Person.given_name, word), contains(Person.family_name, word), contains(Person.email, word))
