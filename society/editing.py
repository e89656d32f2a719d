"""Saving an edit form: one answer for every way a save can fail.

A record edited by two people at once is caught by its version counter: the service
raises ``Conflict`` when the form's version is stale, and SQLAlchemy raises
``StaleDataError`` when the other save lands between our read and our write. Either
way the form comes back with a 409 and what was typed, as it does when two saves race for
one unique value (``IntegrityError``); bad input comes back as a 422 with the errors beside
the fields; nothing is half-saved. Create and add forms save through it too (one
try/commit/rollback for every form); ``value`` is what the service returned.
"""
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .services.errors import Conflict, DomainError, InvalidInput


@dataclass
class EditOutcome:
    saved: bool
    status: int = 200
    errors: dict = field(default_factory=dict)
    conflict: str | None = None  # shown above the form on a 409
    value: object = None  # what save() returned (the row created)


def commit_edit(save, stale_message=None, *, default_field: str = "_") -> EditOutcome:
    """Run ``save()`` (a service call that flushes) and commit; roll back and explain on failure.
    An error that names no field is shown beside ``default_field``."""
    try:
        value = save()
        db.session.commit()
    except (Conflict, StaleDataError) as error:
        db.session.rollback()
        return EditOutcome(False, 409, conflict=error.message if isinstance(error, Conflict) else str(stale_message or error))
    except InvalidInput as error:
        db.session.rollback()
        return EditOutcome(False, 422, errors=error.errors or {error.field or default_field: [str(error.message)]})
    except IntegrityError:
        # Another save took the same unique value at the same moment (the service's own check
        # passed for both): the database decided; the form comes back as typed.
        db.session.rollback()
        return EditOutcome(False, 409, conflict=gettext(
            "This was saved already, or conflicts with something saved at the same moment. "
            "Reload the page to see what is saved now."))
    except DomainError as error:
        # Any other refusal of the service (a transition not allowed, no version in force): said
        # beside the form; a refusal with a status of its own (403, 404) keeps it.
        db.session.rollback()
        return EditOutcome(False, 422 if error.status == 400 else error.status,
                           errors={error.field or default_field: [str(error.message)]})
    return EditOutcome(True, value=value)
