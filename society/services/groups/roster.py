"""Who belongs to a group, and when: leaders and co-leaders, participants.

Each row is dated (from, and to when it ended). A person holds one place in a group
at a time: never a participant and a leader over the same days, nor twice the same.
Only members of the group's society can be added. Writes flush; the caller commits.
"""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from ...formatting import format_day
from ...extensions import db
from ...models import Group, GroupLeader, GroupParticipant, Membership, Person
from ..errors import InvalidInput, NotFound
from ..platform.text_search import contains
from .register import active_on

SEARCH_LIMIT = 20


def find_members(society_id: int, text: str | None, day: date, limit: int = SEARCH_LIMIT) -> list[Person]:
    """Current members of the society whose name or e-mail contains ``text``."""
    if not text or len(text.strip()) < 2:
        return []
    text = text.strip()
    return list(db.session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.society_id == society_id, Membership.joined_on <= day,
               or_(Membership.ended_on.is_(None), Membership.ended_on >= day),
               or_(contains(Person.given_name + " " + Person.family_name, text), contains(Person.email, text)))
        .order_by(Person.family_name, Person.given_name, Person.id)
        .limit(limit)))


def _member(society_id: int, person_id: int) -> Person:
    person = db.session.scalar(
        select(Person).where(Person.id == person_id, exists().where(
            Membership.person_id == Person.id, Membership.society_id == society_id)))
    if person is None:
        raise InvalidInput(_("Choose a member of the society."), errors={"person_id": [_("Choose a member of the society.")]})
    return person


def _overlaps(model, group_id: int, person_id: int, starts_on: date, ends_on: date | None) -> bool:
    stmt = select(model.id).where(
        model.group_id == group_id, model.person_id == person_id,
        or_(model.ends_on.is_(None), model.ends_on >= starts_on))
    if ends_on is not None:
        stmt = stmt.where(model.starts_on <= ends_on)
    return db.session.scalar(stmt.limit(1)) is not None


def _check_free(group: Group, person: Person, starts_on: date, ends_on: date | None) -> None:
    for model, message in (
        (GroupLeader, _("%(name)s already leads this group over some of these days.", name=person.full_name)),
        (GroupParticipant, _("%(name)s is already a participant over some of these days.", name=person.full_name)),
    ):
        if _overlaps(model, group.id, person.id, starts_on, ends_on):
            raise InvalidInput(message, errors={"starts_on": [message]})


def add_leader(group: Group, person_id: int, *, starts_on: date, ends_on: date | None = None,
               role: str = "leader", is_trainee: bool = False) -> GroupLeader:
    person = _member(group.society_id, person_id)
    _check_free(group, person, starts_on, ends_on)
    leader = GroupLeader(group=group, person=person, role=role, is_trainee=is_trainee,
                         starts_on=starts_on, ends_on=ends_on)
    db.session.add(leader)
    db.session.flush()
    return leader


def add_participant(group: Group, person_id: int, *, starts_on: date, ends_on: date | None = None) -> GroupParticipant:
    person = _member(group.society_id, person_id)
    _check_free(group, person, starts_on, ends_on)
    participant = GroupParticipant(group=group, person=person, starts_on=starts_on, ends_on=ends_on)
    db.session.add(participant)
    db.session.flush()
    return participant


def end(row: GroupLeader | GroupParticipant, ends_on: date) -> None:
    """End a leader's or a participant's place on ``ends_on`` (their last day)."""
    if ends_on < row.starts_on:
        message = _("The last day cannot come before the first (%(day)s).", day=format_day(row.starts_on))
        raise InvalidInput(message, errors={"ends_on": [message]})
    row.ends_on = ends_on
    db.session.flush()


def remove(row: GroupLeader | GroupParticipant) -> None:
    """Remove a row entered by mistake (ending keeps the history; removing does not)."""
    db.session.delete(row)
    db.session.flush()


def leader_row(group: Group, leader_id: int) -> GroupLeader:
    row = db.session.get(GroupLeader, leader_id)
    if row is None or row.group_id != group.id:
        raise NotFound(_("No such leader in this group."))
    return row


def participant_row(group: Group, participant_id: int) -> GroupParticipant:
    row = db.session.get(GroupParticipant, participant_id)
    if row is None or row.group_id != group.id:
        raise NotFound(_("No such participant in this group."))
    return row


def leads(person_id: int | None, group_id: int, day: date) -> bool:
    """Whether the person leads or co-leads the group on ``day``."""
    if person_id is None:
        return False
    return db.session.scalar(select(GroupLeader.id).where(
        GroupLeader.group_id == group_id, GroupLeader.person_id == person_id,
        active_on(GroupLeader, day)).limit(1)) is not None
