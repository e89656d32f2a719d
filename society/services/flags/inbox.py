"""The flags inbox: what an administrator sees of the lapse scan's flags, and acknowledging one.

Open flags need attention; an acknowledged flag stays open (its cause still holds) but
is marked as seen, with a note; the scan resolves a flag when its cause goes away.
"""
from collections.abc import Iterator
from datetime import datetime, timezone

from flask_babel import gettext
from sqlalchemy import func, select

from ...extensions import db
from ...models import Accreditation, Flag, Group, Membership, Person, RuleSet, RuleSetVersion
from ..errors import NotFound
from ..platform.exports import batches
from .wording import describe, details_of

STATES = ("open", "acknowledged", "resolved", "all")


def inbox_query(society_id: int, *, kind: str | None = None, state: str = "open", subject_type: str | None = None,
                subject_id: int | None = None):
    query = select(Flag).where(Flag.society_id == society_id)
    if kind:
        query = query.where(Flag.kind == kind)
    if state == "open":
        query = query.where(Flag.resolved_at.is_(None), Flag.acknowledged_at.is_(None))
    elif state == "acknowledged":
        query = query.where(Flag.resolved_at.is_(None), Flag.acknowledged_at.is_not(None))
    elif state == "resolved":
        query = query.where(Flag.resolved_at.is_not(None))
    if subject_type:
        query = query.where(Flag.subject_type == subject_type)
    if subject_id:
        query = query.where(Flag.subject_id == subject_id)
    return query.order_by(Flag.raised_on.desc(), Flag.id.desc())


def inbox(society_id: int, *, page: int = 1, per_page: int = 50, **filters):
    """One page of the society's flags matching the filters, newest first."""
    return db.paginate(inbox_query(society_id, **filters), page=page, per_page=per_page, error_out=False)


def counts_by_state(society_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Flag.resolved_at.is_(None), Flag.acknowledged_at.is_(None), func.count())
        .where(Flag.society_id == society_id).group_by(Flag.resolved_at.is_(None), Flag.acknowledged_at.is_(None)))
    counts = dict.fromkeys(STATES, 0)
    for unresolved, unacknowledged, n in rows:
        counts["all"] += n
        counts["resolved" if not unresolved else "open" if unacknowledged else "acknowledged"] += n
    return counts


def acknowledge(society_id: int, flag_id: int, user_id: int, note: str) -> Flag:
    """Mark a flag of the society as seen, with a note (again: the note is replaced). Flushes."""
    flag = db.session.get(Flag, flag_id)
    if flag is None or flag.society_id != society_id:
        raise NotFound(gettext("No such flag."))
    flag.acknowledged_at = datetime.now(timezone.utc)
    flag.acknowledged_by_id = user_id
    flag.acknowledgement_note = note
    db.session.flush()
    return flag


def describe_subjects(flags) -> tuple[dict[tuple[str, int], str], dict[tuple[str, int], int]]:
    """Names for the flags' subjects and the people their details mention, and the person each
    subject belongs to (a person, an accreditation's holder, a membership's member), so a flag
    can link to its record; one query per kind of subject."""
    wanted: dict[str, set[int]] = {"group": set(), "person": set(), "accreditation": set(), "membership": set()}
    for flag in flags:
        wanted[flag.subject_type].add(flag.subject_id)
        person_id = details_of(flag).get("person_id")
        if person_id:
            wanted["person"].add(person_id)
    labels, people = {}, {}
    if wanted["group"]:
        for gid, name in db.session.execute(select(Group.id, Group.name).where(Group.id.in_(wanted["group"]))):
            labels[("group", gid)] = name
    if wanted["person"]:
        for pid, given, family in db.session.execute(
                select(Person.id, Person.given_name, Person.family_name).where(Person.id.in_(wanted["person"]))):
            labels[("person", pid)] = f"{given} {family}"
            people[("person", pid)] = pid
    if wanted["accreditation"]:
        for aid, pid, given, family, title in db.session.execute(
                select(Accreditation.id, Person.id, Person.given_name, Person.family_name, RuleSet.credential_title)
                .join(Person, Person.id == Accreditation.person_id)
                .join(RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id).join(RuleSet)
                .where(Accreditation.id.in_(wanted["accreditation"]))):
            labels[("accreditation", aid)] = f"{given} {family} ({title})"
            people[("accreditation", aid)] = pid
    if wanted["membership"]:
        for mid, pid, given, family in db.session.execute(
                select(Membership.id, Person.id, Person.given_name, Person.family_name).join(Person)
                .where(Membership.id.in_(wanted["membership"]))):
            labels[("membership", mid)] = f"{given} {family}"
            people[("membership", mid)] = pid
    return labels, people


EXPORT_COLUMNS = ("id", "raised_on", "kind", "severity", "subject_type", "subject_id", "subject", "message", "due_on",
                  "state", "acknowledged_at", "acknowledgement_note", "resolved_on")


def state_of(flag: Flag) -> str:
    if flag.resolved_at is not None:
        return "resolved"
    return "acknowledged" if flag.acknowledged_at is not None else "open"


def export_rows(society_id: int, **filters) -> Iterator[list]:
    """Every flag the inbox lists for ``filters``, in its order, in EXPORT_COLUMNS order, worded as
    the inbox words it (the reader's language); the subjects' names are read once per batch."""
    for flags in batches(inbox_query(society_id, **filters)):
        labels, _people = describe_subjects(flags)
        for flag in flags:
            yield [flag.id, flag.raised_on, flag.kind, flag.severity, flag.subject_type, flag.subject_id,
                   labels.get((flag.subject_type, flag.subject_id), ""), describe(flag, labels), flag.due_on, state_of(flag),
                   flag.acknowledged_at, flag.acknowledgement_note, flag.resolved_on]
