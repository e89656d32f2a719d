"""The administrators' accreditation list: applications awaiting a decision (oldest first),
or the accreditations of any status by name, searched by name or e-mail.

One statement serves the page and the CSV export, so an export holds exactly what the
page lists; person, rule-set version and rule set come in the same query.

The list files each accreditation under its status *on the day asked*: a granted one past its
expiry date is listed (and counted) as expired, whether or not anyone marked it so, as the
directory and verification treat it (``standing.valid_on``).
"""
from collections.abc import Iterator
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager

from ...extensions import db
from ...models import Accreditation, Person, RuleSet, RuleSetVersion
from ...models.accreditation import ACCREDITATION_STATUSES
from ..platform.exports import batches
from ..platform.text_search import person_matches

LIST_STATUSES = (*ACCREDITATION_STATUSES, "all")


def of_society(society_id: int):
    """select(Accreditation) of the society, with person, version and rule set loaded."""
    return (select(Accreditation)
            .join(Accreditation.person).join(Accreditation.rule_set_version).join(RuleSetVersion.rule_set)
            .where(RuleSet.society_id == society_id)
            .options(contains_eager(Accreditation.person),
                     contains_eager(Accreditation.rule_set_version).contains_eager(RuleSetVersion.rule_set)))


def listed_status(accreditation: Accreditation, day: date) -> str:
    """The status the list shows on ``day``: granted but past its expiry date is expired."""
    if accreditation.status == "granted" and accreditation.expires_on is not None and accreditation.expires_on < day:
        return "expired"
    return accreditation.status


def listed_status_column(day: date):
    """SQL twin of ``listed_status``, to filter and count by."""
    return case((and_(Accreditation.status == "granted", Accreditation.expires_on < day), "expired"),
                else_=Accreditation.status)


def listing(society_id: int, status: str = "applied", search: str = "", day: date | None = None):
    """The list's statement: one status on ``day`` (``listed_status``; default today) or "all",
    a search in names and e-mail, in the page's order."""
    statement = of_society(society_id)
    if status != "all":
        statement = statement.where(listed_status_column(day or date.today()) == status)
    if search:
        statement = statement.where(person_matches(search))
    if status == "applied":
        return statement.order_by(Accreditation.applied_at, Accreditation.id)
    return statement.order_by(Person.family_name, Person.given_name, Accreditation.id)


def counts_by_status(society_id: int, day: date) -> dict[str, int]:
    """How many the list holds under each status on ``day`` (the tabs' counts)."""
    listed = listed_status_column(day)
    return dict(db.session.execute(
        select(listed, func.count()).join(Accreditation.rule_set_version).join(RuleSetVersion.rule_set)
        .where(RuleSet.society_id == society_id).group_by(listed)).all())


EXPORT_COLUMNS = ("id", "candidate", "email", "credential", "rule_set_version", "status", "training_started_on",
                  "applied_at", "granted_on", "expires_on")


def export_rows(society_id: int, status: str = "applied", search: str = "", day: date | None = None) -> Iterator[list]:
    """Every accreditation the list shows, in its order, in EXPORT_COLUMNS order."""
    day = day or date.today()
    for accreditations in batches(listing(society_id, status, search, day)):
        for a in accreditations:
            version = a.rule_set_version
            yield [a.id, a.person.full_name, a.person.email, version.rule_set.credential_title, version.label,
                   listed_status(a, day), a.training_started_on, a.applied_at, a.granted_on, a.expires_on]
