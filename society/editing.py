"""Saving an edit form: one answer for every way a save can fail.

A record edited by two people at once is caught by its version counter: the service
raises ``Conflict`` when the form's version is stale, and SQLAlchemy raises
``StaleDataError`` when the other save lands between our read and our write. Either
way the form comes back with a 409 and what was typed, as it does when two saves race for
one unique value (``IntegrityError``); bad input comes back as a 422 with the errors beside
the fields; nothing is half-saved. Create and add forms save through it too (one
try/commit/rollback for every form); ``value`` is what the service returned. Buttons that
answer with a flash message (``outcome.message``) or a page of their own for some refusals
(``outcome.refusal``, as the service raised it) save through it as well.
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
    refusal: DomainError | None = None  # the service's refusal as raised, for views that answer one their own way

    @property
    def refusal_status(self) -> int:
        """The status the service's refusal carries (a refused button is a 400, not a form's 422)."""
        return self.refusal.status if self.refusal is not None else self.status

    @property
    def message(self) -> str:
        """Why nothing was saved, in one line (for a flash message)."""
        if self.conflict:
            return str(self.conflict)
        return " ".join(str(m) for messages in self.errors.values() for m in messages)


def commit_edit(save, stale_message=None, *, default_field: str = "_") -> EditOutcome:
    """Run ``save()`` (a service call that flushes) and commit; roll back and explain on failure.
    An error that names no field is shown beside ``default_field``."""
    try:
        value = save()
        db.session.commit()
    except (Conflict, StaleDataError) as error:
        db.session.rollback()
        return EditOutcome(False, 409, conflict=error.message if isinstance(error, Conflict) else str(stale_message or error),
                           refusal=error if isinstance(error, Conflict) else None)
    except InvalidInput as error:
        db.session.rollback()
        return EditOutcome(False, 422, errors=error.errors or {error.field or default_field: [str(error.message)]},
                           refusal=error)
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
                           errors={error.field or default_field: [str(error.message)]}, refusal=error)
    return EditOutcome(True, value=value)
