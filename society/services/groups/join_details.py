"""What someone who wants to join a group needs to know, edited by administrators and the group's leaders.

Setting, ongoing or time-limited, open places, the meeting rhythm's weekday, local time and time zone,
address, CME recognition; and the exceptions to the rhythm (a cancelled or moved session). A leader may
edit only groups they lead now or will lead (``may_edit``); an administrator the society's groups.
Writes flush; the caller commits (the flush hook audits every change).
"""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from ...extensions import db
from ...models import Group, GroupLeader, SessionException
from ...models._base import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from . import openness

EDITABLE = ("setting", "term", "ends_on", "accepting_members", "open_places", "meeting_weekday", "meeting_time",
            "timezone", "city", "address", "cme_recognised", "cme_recognised_by")


def leads(person_id: int | None, group_id: int, day: date):
    """SQL condition: the person leads the group on ``day`` or will later (not a past assignment)."""
    return exists().where(GroupLeader.group_id == group_id, GroupLeader.person_id == person_id,
                          or_(GroupLeader.ends_on.is_(None), GroupLeader.ends_on >= day))


def group_for_editor(group_id: int, *, society_id: int | None = None, leader_person_id: int | None = None,
                     day: date) -> Group:
    """The group an administrator (of ``society_id``) or a leader (``leader_person_id``) may edit, else NotFound."""
    statement = select(Group).where(Group.id == group_id)
    if society_id is not None:
        statement = statement.where(Group.society_id == society_id)
    elif leader_person_id is not None:
        statement = statement.where(leads(leader_person_id, group_id, day))
    else:
        raise NotFound(_("No such group."))
    group = db.session.scalar(statement)
    if group is None:
        raise NotFound(_("No such group."))
    return group


def values_of(group: Group) -> dict:
    """The form's starting values."""
    values = {key: getattr(group, key) for key in EDITABLE}
    values["version_id"] = group.version_id
    return values


def update(group: Group, data: dict, expected_version: int | None) -> Group:
    """Save join details edited on ``expected_version``; Conflict when someone saved the group since."""
    if expected_version is None or expected_version != group.version_id:
        raise Conflict(_("Someone else saved this group since you opened it. Your changes are below: "
                         "reload the page to see theirs, then apply yours again."))
    if data.get("term") == "time_limited" and not data.get("ends_on"):
        raise InvalidInput(_("A time-limited group needs its last day."), field="ends_on",
                           errors={"ends_on": [_("A time-limited group needs its last day.")]})
    if group.starts_on and data.get("ends_on") and data["ends_on"] < group.starts_on:
        raise InvalidInput(_("The end cannot come before the start."), field="ends_on",
                           errors={"ends_on": [_("The end cannot come before the start.")]})
    for key in EDITABLE:
        if key in data:
            setattr(group, key, data[key])
    openness.follow(group)  # closing or opening the group is dated, for the rules that ask on a day
    group.updated_at = utcnow()
    db.session.flush()
    return group


def add_exception(group: Group, data: dict) -> SessionException:
    """Cancel or move one occurrence of the rhythm (its date as the rhythm gives it)."""
    if any(e.occurs_on == data["occurs_on"] for e in group.exceptions):
        raise InvalidInput(_("This session already has an exception; remove it first."), field="occurs_on",
                           errors={"occurs_on": [_("This session already has an exception; remove it first.")]})
    exception = SessionException(occurs_on=data["occurs_on"], kind=data["kind"],
                                 moved_to=data.get("moved_to") if data["kind"] == "moved" else None,
                                 note=data.get("note"))
    group.exceptions.append(exception)
    group.updated_at = utcnow()  # the group's calendar changed: directory answers and feeds revalidate
    db.session.flush()
    return exception


def remove_exception(group: Group, exception_id: int) -> None:
    exception = next((e for e in group.exceptions if e.id == exception_id), None)
    if exception is None:
        raise NotFound(_("No such exception."))
    group.exceptions.remove(exception)
    group.updated_at = utcnow()
    db.session.flush()

