"""Groups: finding them, creating and editing them, their norms and their history.

Every function takes the administrator's society explicitly; a group of another
society is "not found". Writes flush; the caller commits.
"""
from collections.abc import Iterator
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import AuditEvent, Group, GroupAudience, GroupLeader, GroupOpenness, GroupParticipant, GroupSession, Society
from ...models._base import utcnow
from . import norms, openness
from ..errors import Conflict, InvalidInput, NotFound
from ..platform.text_search import contains

PAGE_SIZE = 25
CHILD_MODELS = (GroupLeader, GroupParticipant, GroupSession, GroupOpenness)
EDITABLE = ("name", "city", "country", "format", "language", "rhythm", "session_minutes", "starts_on", "ends_on",
            "accepting_members", "status")


def active_on(model, day: date):
    """SQL condition: a dated leader or participant row in force on ``day``."""
    return and_(model.starts_on <= day, or_(model.ends_on.is_(None), model.ends_on >= day))


def people_options():
    """Loader options for a group page: audiences, leaders and participants with their people, the
    openness history with who set each entry."""
    return (selectinload(Group.audiences), selectinload(Group.leaders).selectinload(GroupLeader.person),
            selectinload(Group.participants).selectinload(GroupParticipant.person),
            selectinload(Group.openness).selectinload(GroupOpenness.set_by))


def get(group_id: int, society_id: int, *, people: bool = False) -> Group:
    """The society's group, or NotFound (also for another society's group)."""
    stmt = select(Group).where(Group.id == group_id, Group.society_id == society_id)
    if people:
        stmt = stmt.options(*people_options())
    group = db.session.scalar(stmt)
    if group is None:
        raise NotFound(_("No such group."))
    return group


def filtered(society_id: int, filters: dict):
    """select(Group) of one society with the list's filters applied, by name."""
    stmt = select(Group).where(Group.society_id == society_id)
    if filters.get("q"):
        stmt = stmt.where(or_(contains(Group.name, filters["q"]), contains(Group.city, filters["q"])))
    if filters.get("status"):
        stmt = stmt.where(Group.status == filters["status"])
    if filters.get("format"):
        stmt = stmt.where(Group.format == filters["format"])
    if filters.get("city"):
        stmt = stmt.where(func.lower(Group.city) == filters["city"].lower())
    if filters.get("audience"):
        stmt = stmt.where(Group.id.in_(
            select(GroupAudience.group_id).where(GroupAudience.profession == filters["audience"])))
    if filters.get("accepting"):
        stmt = stmt.where(Group.accepting_members.is_(filters["accepting"] == "yes"))
    return stmt.order_by(func.lower(Group.name), Group.id)


def with_people():
    """Loader options: audiences and leaders with their people, in two or three queries per page."""
    return (selectinload(Group.audiences), selectinload(Group.leaders).selectinload(GroupLeader.person))


def listing(society_id: int, filters: dict, page: int = 1):
    """One page of groups, leaders loaded alongside (never a query per row)."""
    stmt = filtered(society_id, filters).options(*with_people())
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)


def participant_counts(group_ids, day: date) -> dict[int, int]:
    """Current participants per group, in one GROUP BY query."""
    ids = list(group_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(GroupParticipant.group_id, func.count(GroupParticipant.id))
        .where(GroupParticipant.group_id.in_(ids), active_on(GroupParticipant, day))
        .group_by(GroupParticipant.group_id))
    return dict(rows.all())


def current_leaders(group: Group, day: date) -> list[GroupLeader]:
    return [leader for leader in group.leaders if leader.active_on(day)]


def norm_warnings(group: Group, society: Society, day: date, participants: int | None = None) -> list:
    """The norms' warnings for a group on ``day``; a closed group has none."""
    if group.status == "closed":
        return []
    if participants is None:
        participants = sum(1 for p in group.participants if p.active_on(day))
    return norms.check(participants, len(current_leaders(group, day)), norms.Norms.of(society))


def _check_name_free(society_id: int, name: str, group_id: int | None = None) -> None:
    stmt = select(Group.id).where(Group.society_id == society_id, func.lower(Group.name) == name.lower())
    if group_id is not None:
        stmt = stmt.where(Group.id != group_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise InvalidInput(_("Another group of the society has this name."), field="name",
                           errors={"name": [_("Another group of the society has this name.")]})


def _apply(group: Group, data: dict) -> None:
    for key in EDITABLE:
        if key in data:
            setattr(group, key, data[key])
    wanted = set(data.get("audiences") or [])
    group.audiences = [a for a in group.audiences if a.profession in wanted] + [
        GroupAudience(profession=p) for p in sorted(wanted - set(group.audience_list))]


def create_group(society_id: int, data: dict) -> Group:
    """A new group of the society from validated data (GroupFormSchema/GroupSchema)."""
    _check_name_free(society_id, data["name"])
    group = Group(society_id=society_id)
    _apply(group, data)
    openness.follow(group)  # the history's first row: the group's state from the day it was created
    db.session.add(group)
    db.session.flush()
    return group


def update_group(group: Group, data: dict, expected_version: int | None) -> Group:
    """Save an edit made on ``expected_version`` of the group; Conflict if someone saved since."""
    if expected_version is None or expected_version != group.version_id:
        raise Conflict(_("Someone else saved this group since you opened it. Your changes are below: "
                         "reload the group to see theirs, then apply yours again."))
    _check_name_free(group.society_id, data["name"], group.id)
    if group.term == "time_limited" and "ends_on" in data and data["ends_on"] is None:
        # The join details call the group time-limited: it keeps its last day (a CHECK says so too).
        raise InvalidInput(_("A time-limited group needs its last day."), field="ends_on",
                           errors={"ends_on": [_("A time-limited group needs its last day.")]})
    _apply(group, data)
    openness.follow(group)
    # Always an UPDATE, so the version moves even when only the audiences changed.
    group.updated_at = utcnow()
    db.session.flush()
    return group


def history(group: Group, limit: int = 100) -> list[AuditEvent]:
    """Audit events of the group and of its audiences, leaders, participants and sessions, newest first.

    A row's events are those since it was created (SQLite may hand a deleted row's id to a
    new one); removed rows are found through their deletion event, which carries the
    group's id among the old values. Two queries, each using the audit trail's entity index.
    """
    gid = group.id
    parts = [
        select(AuditEvent.id).where(AuditEvent.entity_type == "Group", AuditEvent.entity_id == gid),
        # Audiences have a composite key and no entity id: matched by the group id they carry.
        select(AuditEvent.id).where(AuditEvent.entity_type == "GroupAudience", or_(
            AuditEvent.changes.like(f'%"group_id": [null, {gid}]%'),
            AuditEvent.changes.like(f'%"group_id": [{gid}, null]%'))),
    ]
    for model in CHILD_MODELS:
        parts.append(select(AuditEvent.id).join(model, and_(
            AuditEvent.entity_type == model.__name__, AuditEvent.entity_id == model.id,
            AuditEvent.occurred_at >= model.created_at)).where(model.group_id == gid))
    removed = db.session.execute(select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.id).where(
        AuditEvent.entity_type.in_([m.__name__ for m in CHILD_MODELS]), AuditEvent.action == "delete",
        AuditEvent.changes.like(f'%"group_id": [{gid}, null]%'))).all()
    for entity_type, entity_id, deleted_at_id in removed:
        same = and_(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        created_at_id = select(func.max(AuditEvent.id)).where(
            same, AuditEvent.action == "create", AuditEvent.id < deleted_at_id).scalar_subquery()
        parts.append(select(AuditEvent.id).where(
            same, AuditEvent.id <= deleted_at_id, AuditEvent.id >= func.coalesce(created_at_id, 0)))
    wanted = union_all(*parts).subquery()
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.id.in_(select(wanted.c.id)))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)))


EXPORT_COLUMNS = ("id", "name", "status", "format", "city", "country", "language", "rhythm", "session_minutes",
                  "starts_on", "ends_on", "accepting_members", "audiences", "participants", "leaders")


def export_rows(society_id: int, filters: dict, day: date, batch: int = 500) -> Iterator[list]:
    """The filtered list's rows, in EXPORT_COLUMNS order, reading ``batch`` groups at a time
    (written as CSV by ``services/platform/exports.py``)."""
    stmt = filtered(society_id, filters).options(*with_people())
    offset = 0
    while groups := list(db.session.scalars(stmt.limit(batch).offset(offset))):
        counts = participant_counts([g.id for g in groups], day)
        for group in groups:
            leaders = "; ".join(
                f"{leader.person.full_name} ({leader.role}{', trainee' if leader.is_trainee else ''})"
                for leader in current_leaders(group, day))
            yield [group.id, group.name, group.status, group.format, group.city, group.country, group.language,
                   group.rhythm, group.session_minutes, group.starts_on, group.ends_on, group.accepting_members,
                   ", ".join(group.audience_list), counts.get(group.id, 0), leaders]
        offset += batch
