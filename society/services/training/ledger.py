"""The training ledger: leaders log what they did, colleagues countersign, administrators decide.

A record a leader logs is pending until an administrator approves or rejects it, or
until a supervisor or co-leader who was accredited on the record's date countersigns
it. Records produced from attendance arrive approved and are the society's, not the
leader's, to change. Only a pending record the leader logged can be edited or withdrawn.
"""
from collections.abc import Iterator
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ...formatting import format_day
from ...extensions import db
from ...models import Accreditation, Group, GroupLeader, GroupParticipant, Membership, Person, TrainingRecord, User
from ...models._base import utcnow
from ...models.training import join_tags
from . import evidence
from ..accreditation import standing
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..platform.exports import batches
from ..platform.text_search import person_matches

# What a leader may log about themselves: a supervisor's report too (pending until the society or the
# supervisor confirms it); portfolios come through the society.
LOGGABLE_KINDS = ("participation", "co_leading", "leading", "intensive", "supervision", "supervisor_report")
RECORD_FIELDS = ("kind", "occurred_on", "unit", "units", "minutes", "in_person", "title", "provider", "report_kind",
                 "days")


# -- conditions, for queries and for checks --------------------------------------------

def in_society(society_id: int):
    """SQL condition on TrainingRecord: its person is or was a member of the society."""
    return exists().where(Membership.person_id == TrainingRecord.person_id, Membership.society_id == society_id)


def person_in_society(person_id: int, society_id: int) -> bool:
    return db.session.scalar(select(Membership.id).where(
        Membership.person_id == person_id, Membership.society_id == society_id).limit(1)) is not None


def led_group_on_record_date(person_id: int):
    """SQL condition on TrainingRecord: the person led or co-led the record's group on its date."""
    return exists().where(
        GroupLeader.group_id == TrainingRecord.group_id,
        GroupLeader.person_id == person_id,
        GroupLeader.starts_on <= TrainingRecord.occurred_on,
        or_(GroupLeader.ends_on.is_(None), GroupLeader.ends_on >= TrainingRecord.occurred_on),
    )


def asked_to_countersign(person_id: int):
    """SQL condition on TrainingRecord: a pending record of someone else that names the person
    as supervisor or co-leader, or belongs to a group the person led on the record's date."""
    return and_(
        TrainingRecord.status == "pending",
        TrainingRecord.person_id != person_id,
        or_(TrainingRecord.supervisor_id == person_id, led_group_on_record_date(person_id)),
    )


def is_asked_to_countersign(record: TrainingRecord, person_id: int) -> bool:
    return db.session.scalar(select(TrainingRecord.id).where(
        TrainingRecord.id == record.id, asked_to_countersign(person_id))) is not None


def may_see_evidence(record: TrainingRecord, person_id: int) -> bool:
    """The owner, and whoever is asked to countersign the record."""
    return record.person_id == person_id or is_asked_to_countersign(record, person_id)


# -- a leader's own records --------------------------------------------------------------

def log_record(person: Person, data: dict, by_user: User, *, today: date | None = None) -> TrainingRecord:
    """A leader logs a record of their own; it is pending until approved or countersigned."""
    record = TrainingRecord(person_id=person.id, source="self", status="pending", created_by_id=by_user.id)
    _apply(record, person, data, today or date.today())
    db.session.add(record)
    db.session.flush()
    return record


def update_record(record: TrainingRecord, person: Person, data: dict, *, today: date | None = None) -> TrainingRecord:
    """Change a pending record the leader logged; evidence is replaced when a new file comes."""
    ensure_editable(record, person)
    if data.get("remove_evidence") and not data.get("evidence"):
        evidence.discard(record.evidence_path)
        record.evidence_path = record.evidence_name = record.evidence_type = None
    _apply(record, person, data, today or date.today())
    db.session.flush()
    return record


def withdraw_record(record: TrainingRecord, person: Person) -> None:
    """Withdraw (delete) a pending record the leader logged, with its evidence file."""
    ensure_editable(record, person)
    evidence.discard(record.evidence_path)
    db.session.delete(record)
    db.session.flush()


def ensure_editable(record: TrainingRecord, person: Person) -> None:
    if record.person_id != person.id:
        raise Forbidden(_l("This is not your record."))
    if record.source != "self" or record.status != "pending":
        raise Forbidden(_l("Only pending records you logged yourself can be changed or withdrawn."))


def _apply(record: TrainingRecord, person: Person, data: dict, today: date) -> None:
    if data["kind"] not in LOGGABLE_KINDS:
        raise InvalidInput(_l("Choose what kind of training this was."), field="kind")
    if data["occurred_on"] > today:
        raise InvalidInput(_l("The date cannot be in the future."), field="occurred_on")
    for name in RECORD_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    if "tags" in data:
        record.tags = join_tags(data["tags"])
    record.group_id = _own_group(person, data.get("group_id"))
    supervisor = _colleague(person, data.get("supervisor_email"))
    record.supervisor_id = supervisor.id if supervisor else None
    # A registry fact, not the leader's claim: was the named colleague accredited that day?
    record.with_accredited_leader = bool(supervisor and standing.accredited_on(supervisor.id, record.occurred_on))
    upload = data.get("evidence")
    if upload is not None:
        stored = evidence.store(upload)
        evidence.discard(record.evidence_path)
        record.evidence_path, record.evidence_name, record.evidence_type = stored.path, stored.name, stored.content_type


def set_record_facts(record: TrainingRecord, data: dict, by: User) -> TrainingRecord:
    """An administrator sets what the rules filter on (provider, report kind, tags, days) on any record of
    their society, e.g. an ongoing group on attendance records; never on their own."""
    _ensure_not_own([record], by)
    if data.get("report_kind") and record.kind != "supervisor_report":
        raise InvalidInput(_l("Only a supervisor report has a report kind; leave it blank."), field="report_kind")
    if record.kind == "supervisor_report" and not data.get("report_kind"):
        raise InvalidInput(_l("Choose what kind of report this is."), field="report_kind")
    record.provider, record.report_kind, record.tags = data.get("provider"), data.get("report_kind"), join_tags(data.get("tags"))
    record.days = data.get("days")
    db.session.flush()
    return record


def _own_group(person: Person, group_id: int | None) -> int | None:
    if group_id is None:
        return None
    led = select(GroupLeader.group_id).where(GroupLeader.person_id == person.id, GroupLeader.group_id == group_id)
    joined = select(GroupParticipant.group_id).where(
        GroupParticipant.person_id == person.id, GroupParticipant.group_id == group_id)
    if db.session.scalar(led.union(joined).limit(1)) is None:
        raise InvalidInput(_l("Choose one of your own groups."), field="group_id")
    return group_id


def _colleague(person: Person, email: str | None) -> Person | None:
    """The supervisor or co-leader named by e-mail: a member of one of the leader's societies."""
    if not email:
        return None
    my_societies = select(Membership.society_id).where(Membership.person_id == person.id)
    colleague = db.session.scalar(
        select(Person)
        .where(func.lower(Person.email) == email.strip().lower())
        .where(exists().where(Membership.person_id == Person.id, Membership.society_id.in_(my_societies)))
    )
    if colleague is None:
        raise InvalidInput(_l("No member of your society is registered with this e-mail address."),
                           field="supervisor_email")
    if colleague.id == person.id:
        raise InvalidInput(_l("Name someone else: you cannot countersign your own record."), field="supervisor_email")
    return colleague


def groups_for_form(person: Person) -> list:
    """The groups a leader may attach a record to: those they lead or take part in."""
    ids = select(GroupLeader.group_id).where(GroupLeader.person_id == person.id).union(
        select(GroupParticipant.group_id).where(GroupParticipant.person_id == person.id))
    return list(db.session.execute(select(Group.id, Group.name).where(Group.id.in_(ids)).order_by(Group.name)))


# -- decisions --------------------------------------------------------------------------

def decide(society_id: int, record_ids: set[int], action: str, reason: str | None, by: User) -> int:
    """Approve or reject the society's records with these ids, all or none; how many. A record
    that is not the society's is unknown (NotFound), so another society's ids reveal nothing."""
    records = list(db.session.scalars(select(TrainingRecord).where(TrainingRecord.id.in_(record_ids),
                                                                    in_society(society_id))))
    if len(records) != len(record_ids):
        raise NotFound(_l("No such record."))
    return approve(records, by) if action == "approve" else reject(records, by, reason)


def countersign_page(person_id: int, page: int, per_page: int):
    """The records put to this person to countersign, one page, and for each whether they were
    accredited on its date (only then may they countersign it): (page, {record id: bool})."""
    stmt = (select(TrainingRecord).where(asked_to_countersign(person_id))
            .options(selectinload(TrainingRecord.person), selectinload(TrainingRecord.supervisor))
            .order_by(TrainingRecord.occurred_on, TrainingRecord.id))
    found = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    # Their own accreditations (a handful of rows) say on which dates they may countersign.
    mine = list(db.session.scalars(select(Accreditation).where(Accreditation.person_id == person_id)))
    return found, {r.id: any(a.is_valid_on(r.occurred_on) for a in mine) for r in found.items}

def approve(records: list[TrainingRecord], by: User) -> int:
    """Approve pending records (in bulk); a record decided meanwhile refuses the whole batch, and so
    does a record of the approver's own person: nobody credits their own standing."""
    _ensure_not_own(records, by)
    return _decide(records, by, "approved", None)


def _ensure_not_own(records: list[TrainingRecord], by: User) -> None:
    own = [record.id for record in records if by.person_id is not None and record.person_id == by.person_id]
    if own:
        raise Forbidden(_l("You cannot approve your own records (%(ids)s); another administrator must.",
                           ids=", ".join(f"#{i}" for i in own)))


def reject(records: list[TrainingRecord], by: User, reason: str | None) -> int:
    """Reject pending records (in bulk) with a reason the leader will read."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give a reason for the rejection; the leader will read it."), field="reason")
    return _decide(records, by, "rejected", reason)


def _decide(records: list[TrainingRecord], by: User, status: str, reason: str | None) -> int:
    _ensure_pending(records)
    now = utcnow()
    for record in records:
        record.status, record.decided_by_id, record.decided_at = status, by.id, now
        record.rejection_reason = reason
    db.session.flush()
    return len(records)


def _ensure_pending(records: list[TrainingRecord]) -> None:
    if not records:
        raise InvalidInput(_l("Select at least one record."), field="record_ids")
    decided = [record.id for record in records if record.status != "pending"]
    if decided:
        raise Conflict(_l("Some selected records were decided meanwhile (%(ids)s); reload the page.",
                          ids=", ".join(f"#{i}" for i in decided)))


def countersign(record: TrainingRecord, by_person: Person, on: date, *, by_user: User | None = None) -> TrainingRecord:
    """A supervisor or co-leader vouches for a pending record, which approves it.

    Refused unless they are not its owner, are named on it or led its group on its date,
    and held a valid accreditation on the record's date (not on the day they sign)."""
    if record.person_id == by_person.id:
        raise Forbidden(_l("You cannot countersign your own record."))
    if record.status != "pending":
        raise Conflict(_l("This record has already been decided."))
    if record.occurred_on > on:
        raise Forbidden(_l("A record dated in the future cannot be countersigned."))
    if not is_asked_to_countersign(record, by_person.id):
        raise Forbidden(_l("Only the named supervisor or co-leader, or a leader of the record's group, may countersign it."))
    if not standing.accredited_on(by_person.id, record.occurred_on):
        raise Forbidden(_l("You were not an accredited leader on %(day)s, the record's date, so you cannot countersign it.",
                           day=format_day(record.occurred_on)))
    now = utcnow()
    record.status = "approved"
    record.countersigned_by_id, record.countersigned_at = by_person.id, now
    record.decided_by_id, record.decided_at = (by_user.id if by_user else None), now
    record.with_accredited_leader = True
    db.session.flush()
    return record


# -- the administrators' lists: the review list and a leader's ledger --------------------

def with_people(stmt):
    """Loader options: each record's person, supervisor and countersigner, one query each per page."""
    return stmt.options(selectinload(TrainingRecord.person), selectinload(TrainingRecord.supervisor),
                        selectinload(TrainingRecord.countersigned_by))


def review_list(society_id: int, filters: dict):
    """The review list's statement (ReviewFilterSchema's filters), oldest logged first."""
    stmt = with_people(select(TrainingRecord).where(in_society(society_id)))
    status = filters.get("status") or "pending"
    if status != "all":
        stmt = stmt.where(TrainingRecord.status == status)
    if filters.get("kind"):
        stmt = stmt.where(TrainingRecord.kind == filters["kind"])
    if filters.get("person_id"):
        stmt = stmt.where(TrainingRecord.person_id == filters["person_id"])
    if filters.get("date_from"):
        stmt = stmt.where(TrainingRecord.occurred_on >= filters["date_from"])
    if filters.get("date_to"):
        stmt = stmt.where(TrainingRecord.occurred_on <= filters["date_to"])
    for word in (filters.get("q") or "").split():
        stmt = stmt.where(TrainingRecord.person_id.in_(select(Person.id).where(person_matches(word))))
    return stmt.order_by(TrainingRecord.created_at, TrainingRecord.id)


def person_ledger(person_id: int):
    """A leader's full ledger, newest first."""
    return with_people(select(TrainingRecord).where(TrainingRecord.person_id == person_id)).order_by(
        TrainingRecord.occurred_on.desc(), TrainingRecord.id.desc())


def names_for(records) -> tuple[dict[int, str], dict[int, str]]:
    """Group names and deciders' e-mails for these records: two queries, whatever their number."""
    group_ids = {r.group_id for r in records if r.group_id}
    user_ids = {r.decided_by_id for r in records if r.decided_by_id}
    groups = dict(db.session.execute(select(Group.id, Group.name).where(Group.id.in_(group_ids))).all()) if group_ids else {}
    users = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return groups, users


EXPORT_COLUMNS = ("id", "leader", "occurred_on", "kind", "in_person", "unit", "units", "minutes", "days", "group", "title",
                  "supervisor", "with_accredited_leader", "source", "status", "decided_by", "decided_at",
                  "countersigned_by", "rejection_reason", "evidence_name")


def export_rows(statement) -> Iterator[list]:
    """The rows of a list's statement (``review_list`` or ``person_ledger``) in EXPORT_COLUMNS order;
    names are read once per batch."""
    for records in batches(statement):
        groups, users = names_for(records)
        for r in records:
            yield [r.id, r.person.full_name, r.occurred_on, r.kind, r.in_person, r.unit, r.units, r.minutes, r.days,
                   groups.get(r.group_id) or r.outside_group or "", r.title, r.supervisor.full_name if r.supervisor else "",
                   r.with_accredited_leader, r.source, r.status, users.get(r.decided_by_id, ""), r.decided_at,
                   r.countersigned_by.full_name if r.countersigned_by else "", r.rejection_reason, r.evidence_name]
