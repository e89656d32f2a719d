"""The directory's published summaries: each group's JSON as the API publishes it, kept as text.

A page of the public directory is then one read of its groups' stored texts joined into the body:
no leaders to gather, no accreditation to choose, no object to serialise. What is stored must
always be what ``directory._describe`` would say (one fact, one answer), so:

- any change to what a summary shows (the group and its join details, its audience, its leaders,
  their names and professions, their accreditations and certificates, a credential's title, the
  society's code and name) rewrites the group's summary in the same transaction: a flush hook
  notes what was touched and a commit hook rebuilds the groups concerned (``_refresh_touched``); writes that bypass the ORM
  name their groups to it (``refresh_at_commit``: group imports, erasure, retention) or, outside a request's
  transaction, rewrite them at once (``refresh``, ``rebuild_all``: the demo seed, the CLI);
- a summary also depends on the day alone (a leader's assignment or accreditation begins or ends on
  a date), so each is stored with the days it holds for (``valid_from``..``valid_until``: between the
  nearest such dates around the day it was built), and a page rebuilds, for its own rows only, any
  summary read on a day outside them (or missing): no daily job is needed for a right answer.
"""
import functools
from datetime import date, timedelta
from itertools import chain
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Date, event, inspect, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import (Accreditation, Certificate, DirectorySummary, Group, GroupAudience, GroupLeader, Person,
                       RuleSet, RuleSetVersion, Society)
from ..platform import http_cache
from . import directory

SUMMARIES = DirectorySummary.__table__
CHUNK = 500  # groups built per statement pair when many are rebuilt at once
WRITER_LOCK = 0x5D1C7  # PostgreSQL advisory lock key: writers of summaries, one at a time
COLUMNS = ("group_id", "body", "valid_from", "valid_until")
REFRESHED = "directory_summaries_refreshed"  # session.info key: a read stored rebuilt summaries
# The columns of a person and a society that summaries show; other changes to them leave summaries alone.
PERSON_FIELDS = ("given_name", "family_name", "profession")
SOCIETY_FIELDS = ("code", "name")
RULE_SET_FIELDS = ("credential_title", "society_id")


class Page(NamedTuple):
    bodies: list[bytes]  # each group's JSON (UTF-8), in list order
    total: int


def published_page(filters: dict, day: date, page: int, per_page: int, version: http_cache.DataVersion) -> Page:
    """One page of the directory as its groups' stored JSON, and the total: the filter's ids in list order
    come from ``directory.ordered_ids`` (kept per worker and data version), the page's JSON from one read
    of their summaries (``current``, which builds and stores any that must be)."""
    ids, total = page_of(directory.ordered_ids(filters, day, version), page, per_page)
    return Page(current(ids, day) if ids else [], total)


def page_of(in_order, page: int, per_page: int) -> tuple[list[int], int]:
    """The ids on page ``page`` of a list of ``in_order`` ids, and the list's length."""
    start = (page - 1) * per_page
    return list(in_order[start:start + per_page]), len(in_order)


def stored(engine, group_ids: list[int], day: date) -> list[bytes] | None:
    """The stored summaries of ``group_ids`` that hold on ``day``, in that order, or None when one does not
    (out of its span, or missing: ``current`` builds and stores it). Written for the API front, which
    builds a crawl's pages without a request (``api.front.Lane``): it writes nothing, needs no application
    context, and reads on a pooled driver connection of ``engine``'s own, without the ORM session and its
    transaction, which cost three times the read."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(*_read_statement(engine.dialect, group_ids, day))
        found = dict(cursor.fetchall())
        cursor.close()
    finally:
        connection.close()  # back to the pool, its read transaction (if the driver began one) rolled back
    if len(found) < len(group_ids):
        return None
    return [found[group_id] for group_id in group_ids]


# Each summary's JSON as the driver's bytes (UTF-8), joined into a page's body as they come: no text to
# decode from the database and encode again for the answer.
_BODY_BYTES = {"sqlite": "CAST(body AS BLOB)", "postgresql": "convert_to(body, 'UTF8')"}


@functools.lru_cache(maxsize=256)
def _read_sql(count: int, dialect_name: str, mark: str) -> str:
    """The page's summaries that hold on the day (the span is checked by the database, so only the
    bodies come back), as the driver's SQL for ``count`` ids: written once per page size, where an
    expanding IN is rendered again on every execution (half the read's cost)."""
    return (f"SELECT group_id, {_BODY_BYTES[dialect_name]} FROM {SUMMARIES.name} "
            f"WHERE group_id IN ({', '.join([mark] * count)}) "
            f"AND (valid_from IS NULL OR valid_from <= {mark}) AND (valid_until IS NULL OR valid_until >= {mark})")


def _read_statement(dialect, group_ids: list[int], day: date) -> tuple[str, tuple]:
    """The driver's SQL and parameters that read the summaries of ``group_ids`` holding on ``day``."""
    on = _day_binder(dialect)(day)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return _read_sql(len(group_ids), dialect.name, mark), (*group_ids, on, on)


def _read(group_ids: list[int], day: date) -> dict[int, bytes]:
    connection = db.session.connection()
    return dict(connection.exec_driver_sql(*_read_statement(connection.dialect, group_ids, day)).all())


@functools.lru_cache(maxsize=8)
def _day_binder(dialect):
    """How the driver is given a day (SQLAlchemy's Date: ISO text on SQLite, a date on PostgreSQL)."""
    return Date().bind_processor(dialect) or _same


def _same(value):
    return value


def current(group_ids: list[int], day: date) -> list[bytes]:
    """The summaries of ``group_ids`` (their JSON, UTF-8) as they stand on ``day``, in that order: those stored for a span
    that holds ``day`` as they are, the others (out of their span, or missing) built now and stored
    (``session.info[REFRESHED]`` then says so: the caller commits). A group that does not exist has none."""
    found = _read(group_ids, day)
    if len(found) < len(group_ids):
        built = build(db.session.connection(), [group_id for group_id in group_ids if group_id not in found], day)
        found.update((row["group_id"], row["body"].encode()) for row in built)
        _keep(built, day)
    return [found[group_id] for group_id in group_ids if group_id in found]


def _keep(rows: list[dict], day: date) -> None:
    """Store summaries rebuilt by a read, in a savepoint of the reader's transaction. Another writer may
    hold the database (SQLite) or the rows: then they are only not kept, and the next read builds them."""
    if not rows:
        return
    try:
        with db.session.begin_nested():
            _store(db.session.connection(), rows, unless_holding=day)
    except OperationalError:
        return
    db.session.info[REFRESHED] = True


def commit_refreshed() -> None:
    """Commit the summaries a read rebuilt (a GET's transaction holds nothing else)."""
    if db.session.info.pop(REFRESHED, False):
        db.session.commit()


def build(connection, group_ids: list[int], day: date) -> list[dict]:
    """Rows for ``directory_summaries``: each group's published JSON on ``day`` (``directory.describe``,
    dumped as the API dumps a page) and the span of days around ``day`` on which it says the same."""
    rows, leaders = directory.group_rows(group_ids, day, connection)
    spans = _spans(connection, group_ids, day)
    dumps = current_app.json.dumps
    return [{"group_id": group["id"], "body": dumps(group), "valid_from": spans.get(group["id"], (None, None))[0],
             "valid_until": spans.get(group["id"], (None, None))[1]}
            for group in directory.describe(rows, leaders, published=True)]


def _spans(connection, group_ids: list[int], day: date) -> dict[int, tuple[date | None, date | None]]:
    """For each group, the days around ``day`` on which none of its leaders' assignments and none of
    their accreditations begins or ends: the first day of a change at or before ``day`` and the day
    before the next one (None: no such change). Every date the directory's rules compare ``day``
    with (``leader_serving_on``, ``valid_on``) is one of these."""
    changes: dict[int, set[date]] = {}
    statement = (select(GroupLeader.group_id, GroupLeader.starts_on, GroupLeader.ends_on, Accreditation.granted_on,
                        Accreditation.expires_on, Accreditation.invalid_from)
                 .outerjoin(Accreditation, Accreditation.person_id == GroupLeader.person_id)
                 .where(GroupLeader.group_id.in_(group_ids)))
    for group_id, starts_on, ends_on, granted_on, expires_on, invalid_from in connection.execute(statement):
        days = changes.setdefault(group_id, set())
        days.update(d for d in (starts_on, granted_on, invalid_from, _day_after(ends_on), _day_after(expires_on))
                    if d is not None)
    spans = {}
    for group_id, days in changes.items():
        before = [d for d in days if d <= day]
        after = [d for d in days if d > day]
        spans[group_id] = (max(before) if before else None, min(after) - timedelta(days=1) if after else None)
    return spans


def _day_after(day: date | None) -> date | None:
    return None if day is None or day == date.max else day + timedelta(days=1)


def _store(connection, rows: list[dict], unless_holding: date | None = None) -> None:
    """Insert or replace ``rows``; with ``unless_holding`` (a read's rebuild), replace only a summary that
    still does not hold that day: one a writer stored meanwhile (built from newer data) is kept."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(SUMMARIES)
    stale = None if unless_holding is None else or_(SUMMARIES.c.valid_from > unless_holding,
                                                     SUMMARIES.c.valid_until < unless_holding)
    statement = statement.on_conflict_do_update(
        index_elements=[SUMMARIES.c.group_id], where=stale,
        set_={name: statement.excluded[name] for name in ("body", "valid_from", "valid_until")})
    # In id order, so two writers storing overlapping sets take their row locks in the same order.
    connection.execute(statement, [{name: row[name] for name in COLUMNS}
                                   for row in sorted(rows, key=lambda row: row["group_id"])])


def _one_writer_at_a_time(connection) -> None:
    """On PostgreSQL, rewriting summaries takes one lock until the transaction ends (taken again, it stacks).
    Under READ COMMITTED two writers could otherwise each build a group from data without the other's
    uncommitted change (one adds a leader while the other renames that person): the second now waits and
    then reads what the first committed. SQLite has one writer at a time already."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})


def refresh(group_ids, day: date | None = None, connection=None) -> int:
    """Rewrite the summaries of ``group_ids`` (built on ``day``, today by default) in the current
    transaction; for writes that bypass the ORM's flush. Returns how many were written."""
    connection = connection if connection is not None else db.session.connection()
    day = day or date.today()
    ids, written = sorted(set(group_ids)), 0
    if ids:
        _one_writer_at_a_time(connection)
    for start in range(0, len(ids), CHUNK):
        rows = build(connection, ids[start:start + CHUNK], day)
        _store(connection, rows)
        written += len(rows)
    return written


def refresh_at_commit(group_ids) -> None:
    """Have the commit hook rewrite the summaries of ``group_ids`` in the current transaction: for writes
    that bypass the ORM's flush (bulk inserts and deletes), which its flush hook does not see. At the
    commit, like the flush hook's, so the writers' lock comes after the transaction's row locks."""
    ids = set(group_ids)
    if ids:
        db.session.info.setdefault(TOUCHED, []).append((ids, set(), set(), set()))


def groups_led(person_ids, connection=None) -> list[int]:
    """The groups ``person_ids`` lead or led: read before their leader rows go, to refresh after."""
    connection = connection if connection is not None else db.session.connection()
    return list(connection.execute(select(GroupLeader.group_id).where(GroupLeader.person_id.in_(list(person_ids))))
                .scalars())


def rebuild_all(day: date | None = None) -> int:
    """Rewrite every group's summary (``flask --app society directory rebuild``, the demo seed)."""
    connection = db.session.connection()
    return refresh(connection.execute(select(Group.id)).scalars().all(), day, connection)


# -- the flush hook ---------------------------------------------------------------------

def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _values(obj, name: str) -> set:
    """A column's value now and, when it changed in this flush, before."""
    state = inspect(obj)
    values = set(state.attrs[name].history.deleted)
    values.add(state.dict[name] if name in state.dict else getattr(obj, name))
    return values - {None}


DELETED = "directory_summaries_deleted"  # session.info key: what rows about to be deleted touched
TOUCHED = "directory_summaries_touched"  # session.info key: what this transaction's flushes touched


@event.listens_for(Session, "before_flush")
def _note_deletions(session, _context, _instances):
    # Read before the flush, while a deleted row's columns can still be loaded.
    noted = [_touched(obj, session) for obj in session.deleted]
    if any(noted):
        session.info.setdefault(DELETED, []).extend(noted)


@event.listens_for(Session, "after_flush")
def _note_touched(session, _context):
    # With collections: a group whose audience or leaders lost a member by delete-orphan is only dirty so.
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    touched = [_touched(obj, session) for obj in chain(session.new, dirty)] + session.info.pop(DELETED, [])
    touched = [found for found in touched if found]
    if touched:
        session.info.setdefault(TOUCHED, []).extend(touched)


@event.listens_for(Session, "before_commit")
def _refresh_touched(session):
    """Rewrite the summaries this transaction's writes touched, just before it commits.

    At the end, not at each flush: the writers' lock (``_one_writer_at_a_time``) is then taken after
    every row lock the transaction takes, in the same order by everyone, so two writers cannot each
    hold what the other waits for (a row lock, and the lock of a writer that flushed a group before)."""
    session.flush()  # the commit flushes what is pending after this hook: note it now
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return
    groups, people, rule_sets, societies = (set().union(*(t[n] for t in touched)) for n in range(4))
    connection = session.connection()
    _one_writer_at_a_time(connection)  # before finding the groups: what others committed first is then seen
    if rule_sets:
        people.update(connection.execute(
            select(Accreditation.person_id).join(RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id)
            .where(RuleSetVersion.rule_set_id.in_(rule_sets))).scalars())
    if people:
        groups.update(connection.execute(
            select(GroupLeader.group_id).where(GroupLeader.person_id.in_(people))).scalars())
    if societies:
        groups.update(connection.execute(select(Group.id).where(Group.society_id.in_(societies))).scalars())
    refresh(groups, connection=connection)


@event.listens_for(Session, "after_soft_rollback")
def _forget_deletions(session, _previous_transaction):
    session.info.pop(DELETED, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_touched(session, transaction):
    # A rolled-back savepoint keeps what the transaction around it touched (refreshing more is harmless);
    # the transaction's own end, committed or not, forgets it.
    if transaction.parent is None:
        session.info.pop(TOUCHED, None)


def _touched(obj, session) -> tuple[set, set, set, set] | None:
    """What a written row may change in summaries: (groups, people, rule sets, societies) by id."""
    new = obj in session.new
    if isinstance(obj, (Group, GroupAudience, GroupLeader)):
        return _values(obj, "id" if isinstance(obj, Group) else "group_id"), set(), set(), set()
    if isinstance(obj, Accreditation) or (isinstance(obj, Certificate) and obj.accreditation_id is not None):
        return set(), _values(obj, "person_id"), set(), set()
    if isinstance(obj, Person) and not new and (obj in session.deleted or _changed(obj, PERSON_FIELDS)):
        return set(), {obj.id}, set(), set()
    if isinstance(obj, RuleSet) and not new and _changed(obj, RULE_SET_FIELDS):
        return set(), set(), {obj.id}, set()
    if isinstance(obj, RuleSetVersion) and not new and (obj in session.deleted or _changed(obj, ("rule_set_id",))):
        return set(), set(), _values(obj, "rule_set_id"), set()
    if isinstance(obj, Society) and not new and _changed(obj, SOCIETY_FIELDS):
        return set(), set(), set(), {obj.id}
    return None
