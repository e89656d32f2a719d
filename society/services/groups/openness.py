"""A group's openness on a day: closed to new members or open to them, from which day (issue 13).

``group_openness`` keeps one row per change (the group, the state, the day it took effect, who set it);
``Group.accepting_members`` is the latest row's state, kept for the lists, the directory and the finder.
Every write of ``accepting_members`` goes through here in the same transaction: the administrators'
group form and the join details (``follow``), the group import and the demo seed (``first_rows``, for
their bulk inserts), and an administrator's correction of the history (``correct``, ``remove``). The
flush hook audits the rows (``record_created`` those of bulk inserts).

The rules read the state on a session's day (``closed_days``, ``closed_on``: ``facts.py`` and
``participant_credentials.py``, one query for all groups). Before a group's first row its first state
holds (a history begins when the group was created or the history was first kept; an administrator
corrects it); a group without rows (written before this history existed and not migrated) reads as
its current setting.
"""
from bisect import bisect_right
from collections import defaultdict
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Group, GroupOpenness
from ...models._base import utcnow
from ..errors import InvalidInput, NotFound
from ..platform.audit import current_actor


def first_day(group: Group) -> date:
    """The earliest day the history may speak of: the group's start, else the day it was created."""
    return group.starts_on or (group.created_at.date() if group.created_at else date.today())


def follow(group: Group, on: date | None = None) -> None:
    """After ``accepting_members`` was set (the group form, the join details): a row from ``on`` (today)
    when the state differs from the history's latest; a second change on one day replaces that day's."""
    on = on or date.today()
    with db.session.no_autoflush:  # reading the history must not flush the edit half-made (a second version)
        history = group.openness
    latest = history[-1] if history else None
    if latest is not None and latest.accepting_members == group.accepting_members:
        return
    if latest is not None and latest.effective_from >= on:
        latest.accepting_members = group.accepting_members
        latest.set_by_id = current_actor().user_id
        before = history[-2] if len(history) > 1 else None
        if before is not None and before.accepting_members == latest.accepting_members:
            history.remove(latest)  # changed back on the same day: the day's change never happened
        return
    history.append(GroupOpenness(accepting_members=bool(group.accepting_members), effective_from=on,
                                 set_by_id=current_actor().user_id))


def first_rows(groups: list[dict], on: date) -> list[dict]:
    """The history's first row of each group written by a bulk insert (rows with ``id`` and
    ``accepting_members``): its state from ``on``."""
    user_id = current_actor().user_id
    return [{"group_id": group["id"], "accepting_members": bool(group.get("accepting_members")),
             "effective_from": on, "set_by_id": user_id} for group in groups]


def correct(group: Group, accepting: bool, effective_from: date) -> GroupOpenness:
    """An administrator's correction: the group was ``accepting`` (or closed) from ``effective_from``
    (validated by ``OpennessFormSchema``). A row of that day is replaced; the group's setting follows
    the latest row."""
    if effective_from < first_day(group):
        raise InvalidInput(_l("The day cannot come before the group started (%(day)s).",
                              day=first_day(group).isoformat()), field="effective_from")
    with db.session.no_autoflush:
        row = next((r for r in group.openness if r.effective_from == effective_from), None)
    if row is None:
        row = GroupOpenness(effective_from=effective_from)
        group.openness.append(row)
    row.accepting_members, row.set_by_id = accepting, current_actor().user_id
    _settle(group)
    return row


def remove(group: Group, row_id: int) -> None:
    """Remove a row entered by mistake; the history keeps at least one, the group's setting follows."""
    row = next((r for r in group.openness if r.id == row_id), None)
    if row is None:
        raise NotFound(_l("No such entry in the history."))
    if len(group.openness) == 1:
        raise InvalidInput(_l("The history keeps at least one entry: add the right one first."), field="row")
    group.openness.remove(row)
    _settle(group)


def _settle(group: Group) -> None:
    group.openness.sort(key=lambda r: r.effective_from)
    latest = group.openness[-1].accepting_members
    if group.accepting_members != latest:
        group.accepting_members = latest
    group.updated_at = utcnow()  # always an UPDATE: the version moves, directory answers revalidate
    db.session.flush()


def closed_days(group_ids) -> dict[int, tuple[list[date], list[bool]]]:
    """Per group, its history as (first days, closed from that day), oldest first, in one query;
    groups without a history are absent."""
    ids = sorted({i for i in group_ids if i is not None})
    found: dict[int, tuple[list[date], list[bool]]] = defaultdict(lambda: ([], []))
    if ids:
        for group_id, effective_from, accepting in db.session.execute(
                select(GroupOpenness.group_id, GroupOpenness.effective_from, GroupOpenness.accepting_members)
                .where(GroupOpenness.group_id.in_(ids))
                .order_by(GroupOpenness.group_id, GroupOpenness.effective_from)):
            days, closed = found[group_id]
            days.append(effective_from)
            closed.append(not accepting)
    return dict(found)


def closed_on(history: tuple[list[date], list[bool]] | None, day: date, now_closed: bool) -> bool:
    """Whether the group was closed to new members on ``day``: the state of its latest row from
    ``day`` or before (before the first row, the first row's); ``now_closed`` when it has no history."""
    if not history or not history[0]:
        return now_closed
    days, closed = history
    return closed[max(bisect_right(days, day) - 1, 0)]
