"""The lapse scan: for one date, raise the flags that hold and resolve those that no longer do.

Each step is one set-based query over the whole registry (or one society) that lists the
causes holding on the day; nothing is queried per leader or per group. The wanted flags
are compared with the open ones by their cause key (kind, subject, cause): new causes are
inserted in one batch, open flags whose cause is gone are resolved in one batch, and flags
whose cause persists are left alone, so a repeat scan changes nothing. The scan only
flushes: the caller owns the transaction, so a run that fails half-way leaves nothing.
It never changes an accreditation: validity follows from the dates (services/accreditation/standing.py).

The causes (DOMAIN.md, "Events that should raise a flag"):
- accreditation_expiring: valid today, expires within a lead time of its rule-set version
  (``warning_days``); the cause names the tightest lead time reached ("30d"), so a flag
  moves from "90d" to "60d" to "30d" as the date nears.
- accreditation_expired: the person's latest accreditation of that rule set has expired and
  no other of the same rule set is valid (suspended and revoked ones are not "expired").
- membership_lapsed / dues_lapsed: a leader serving in a running group whose membership of
  the group's society ended (or who has none), or whose dues are unpaid more than
  ``Society.dues_grace_days`` after their due date (one flag per period).
- trainee_behind_pace: an accreditation in training whose approved supervision, or leading
  and co-leading, units since ``training_started_on`` fall short of the version's pace per
  year times the whole years of training completed.
- group_unaccredited / group_losing_accreditation: a running group with no accredited leader
  today, or whose last accredited leader lapses (or leaves) within the horizon (the
  society's largest lead time); ``due_on`` is the first day without one.
- trainee_unsupervised: a trainee leader with no accredited co-leader serving in the group.
- group_norms: an active group outside the society's size or leader-count norms, one flag per
  ``services/groups/norms.py`` code (its severity: warning, or info for a large group).
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, func, insert, or_, select, text, true, update
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import (
    Accreditation, DuesPayment, Flag, Group, GroupLeader, GroupParticipant, Membership, RuleSet, RuleSetVersion,
    Society, TrainingRecord,
)
from ...models.flags import FLAG_KINDS
from ..groups import norms
from ..groups.standing import accredited_group, counts_as_accredited, leader_serving_on
from ..groups.norms import Norms
from ..accreditation.standing import valid_on
from ..platform import webhooks

# Groups whose leadership matters (a paused group still needs an accredited leader to resume).
LEADERSHIP_STATUSES = ("active", "paused")
# Groups whose size and leader count are held against the society's norms.
NORM_STATUSES = ("active",)
# Expired accreditations that count as lapsed; suspension and revocation are decisions, not lapses.
LAPSING_STATUSES = ("granted", "expired")
SUPERVISION_KINDS = ("supervision",)
LEADING_KINDS = ("leading", "co_leading")
# Any constant will do: PostgreSQL serializes scans on this advisory lock; SQLite on BEGIN IMMEDIATE.
SCAN_LOCK_KEY = 720_431_001
RESOLVE_CHUNK = 500
# Every kind is the scan's to raise and resolve; a kind raised elsewhere would be left out here.
SCAN_KINDS = FLAG_KINDS


@dataclass(frozen=True)
class Wanted:
    """A flag whose cause holds on the scanned day."""

    society_id: int
    kind: str
    subject_type: str
    subject_id: int
    cause: str
    severity: str
    message: str
    details: dict = field(default_factory=dict, compare=False, hash=False)
    due_on: date | None = None

    @property
    def key(self) -> tuple:
        return self.kind, self.subject_type, self.subject_id, self.cause


@dataclass
class ScanSummary:
    day: date
    raised: int = 0
    resolved: int = 0
    open: int = 0
    by_kind: dict = field(default_factory=dict)
    by_society: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"raised": self.raised, "resolved": self.resolved, "open": self.open, "day": self.day.isoformat(),
                "by_kind": self.by_kind, "by_society": self.by_society}


@dataclass(frozen=True)
class Rules:
    """The rule-set data the scan needs, read once: lead times per version, horizon per society."""

    leads: dict[int, list[int]]  # version id -> lead days, largest first
    horizon: dict[int, int]  # society id -> largest lead time of its rule sets
    grace: dict[int, int]  # society id -> dues grace days
    norms: dict[int, Norms]  # society id -> its group norms

    @property
    def largest_lead(self) -> int:
        return max((max(days) for days in self.leads.values() if days), default=0)

    def horizon_of(self, society_id: int) -> int:
        return self.horizon.get(society_id, self.largest_lead)


def lead_days(text_value: str | None) -> list[int]:
    """"90,60,30" -> [90, 60, 30]; pieces that are not positive whole numbers are ignored."""
    days = {int(piece) for piece in (text_value or "").split(",") if piece.strip().isdigit() and int(piece) > 0}
    return sorted(days, reverse=True)


def load_rules() -> Rules:
    leads, horizon = {}, defaultdict(int)
    for version_id, warning_days, society_id in db.session.execute(
        select(RuleSetVersion.id, RuleSetVersion.warning_days, RuleSet.society_id).join(RuleSet)
    ):
        leads[version_id] = lead_days(warning_days)
        horizon[society_id] = max([horizon[society_id], *leads[version_id]])
    grace, group_norms = {}, {}
    for row in db.session.execute(select(Society.id, Society.dues_grace_days, Society.group_min_size,
                                         Society.group_max_size, Society.group_min_leaders, Society.group_max_leaders)):
        grace[row.id] = row.dues_grace_days
        group_norms[row.id] = Norms.of(row)
    return Rules(leads, dict(horizon), grace, group_norms)


def _group_running(day: date, statuses=LEADERSHIP_STATUSES):
    return and_(Group.status.in_(statuses), or_(Group.ends_on.is_(None), Group.ends_on >= day))


def _in_society(column, society_id: int | None):
    return column == society_id if society_id is not None else true()


# -- the causes ------------------------------------------------------------------------------

def accreditation_flags(day: date, society_id: int | None, rules: Rules) -> list[Wanted]:
    wanted = []
    soon = select(Accreditation.id, Accreditation.person_id, Accreditation.expires_on,
                  Accreditation.rule_set_version_id, RuleSet.society_id).join(
        RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id).join(RuleSet).where(
        valid_on(day), Accreditation.expires_on.is_not(None),
        Accreditation.expires_on <= day + timedelta(days=rules.largest_lead), _in_society(RuleSet.society_id, society_id))
    for row in db.session.execute(soon):
        days_left = (row.expires_on - day).days
        reached = [lead for lead in rules.leads.get(row.rule_set_version_id, []) if days_left <= lead]
        if not reached:
            continue
        lead = min(reached)
        wanted.append(Wanted(
            row.society_id, "accreditation_expiring", "accreditation", row.id, f"{lead}d", "warning",
            f"Accreditation {row.id} expires on {row.expires_on.isoformat()} ({days_left} days left; {lead}-day warning).",
            {"person_id": row.person_id, "expires_on": row.expires_on.isoformat(), "days_left": days_left, "lead_days": lead},
            row.expires_on))

    lapsed, version = aliased(Accreditation), aliased(RuleSetVersion)
    renewed_or_valid = select(Accreditation.id).join(
        RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id).where(
        Accreditation.person_id == lapsed.person_id, Accreditation.id != lapsed.id,
        RuleSetVersion.rule_set_id == version.rule_set_id,
        or_(valid_on(day), Accreditation.granted_on > lapsed.granted_on)).exists()
    expired = select(lapsed.id, lapsed.person_id, lapsed.expires_on, RuleSet.society_id).join(
        version, version.id == lapsed.rule_set_version_id).join(RuleSet, RuleSet.id == version.rule_set_id).where(
        lapsed.status.in_(LAPSING_STATUSES), lapsed.granted_on.is_not(None), lapsed.expires_on < day,
        ~renewed_or_valid, _in_society(RuleSet.society_id, society_id))
    for row in db.session.execute(expired):
        wanted.append(Wanted(
            row.society_id, "accreditation_expired", "accreditation", row.id, row.expires_on.isoformat(), "critical",
            f"Accreditation {row.id} expired on {row.expires_on.isoformat()}.",
            {"person_id": row.person_id, "expires_on": row.expires_on.isoformat()}, row.expires_on))
    return wanted


def _serving_leader_of(person_column, society_column, day: date):
    """Correlated condition: the person leads a running group of the society on ``day``."""
    return select(GroupLeader.id).join(Group, Group.id == GroupLeader.group_id).where(
        GroupLeader.person_id == person_column, Group.society_id == society_column,
        leader_serving_on(day), _group_running(day)).exists()


def membership_flags(day: date, society_id: int | None, rules: Rules) -> list[Wanted]:
    wanted = []
    ended = select(Membership.id, Membership.person_id, Membership.society_id, Membership.ended_on).where(
        Membership.ended_on < day, _serving_leader_of(Membership.person_id, Membership.society_id, day),
        _in_society(Membership.society_id, society_id))
    for row in db.session.execute(ended):
        wanted.append(Wanted(
            row.society_id, "membership_lapsed", "membership", row.id, "ended", "critical",
            f"Membership {row.id} of a serving group leader ended on {row.ended_on.isoformat()}.",
            {"person_id": row.person_id, "ended_on": row.ended_on.isoformat()}))
    never = select(GroupLeader.person_id, Group.society_id).join(Group, Group.id == GroupLeader.group_id).outerjoin(
        Membership, and_(Membership.person_id == GroupLeader.person_id, Membership.society_id == Group.society_id)).where(
        Membership.id.is_(None), leader_serving_on(day), _group_running(day),
        _in_society(Group.society_id, society_id)).distinct()
    for row in db.session.execute(never):
        wanted.append(Wanted(
            row.society_id, "membership_lapsed", "person", row.person_id, f"no-membership:{row.society_id}", "critical",
            f"A serving group leader (person {row.person_id}) is not a member of the society.",
            {"person_id": row.person_id}))
    return wanted


def dues_flags(day: date, society_id: int | None, rules: Rules) -> list[Wanted]:
    unpaid = select(DuesPayment.id, DuesPayment.period, DuesPayment.due_on, Membership.id.label("membership_id"),
                    Membership.person_id, Membership.society_id).join(Membership).where(
        DuesPayment.paid_on.is_(None), DuesPayment.due_on < day,
        or_(Membership.ended_on.is_(None), Membership.ended_on >= day),
        _serving_leader_of(Membership.person_id, Membership.society_id, day),
        _in_society(Membership.society_id, society_id))
    wanted = []
    for row in db.session.execute(unpaid):
        grace = rules.grace.get(row.society_id, 0)
        if row.due_on + timedelta(days=grace) >= day:
            continue
        wanted.append(Wanted(
            row.society_id, "dues_lapsed", "membership", row.membership_id, f"dues:{row.period}", "warning",
            f"Dues for {row.period}, due on {row.due_on.isoformat()}, are unpaid by a serving group leader.",
            {"person_id": row.person_id, "period": row.period, "due_on": row.due_on.isoformat(), "grace_days": grace}))
    return wanted


def _whole_years(start: date, day: date) -> int:
    return day.year - start.year - ((day.month, day.day) < (start.month, start.day))


def pace_flags(day: date, society_id: int | None, rules: Rules) -> list[Wanted]:
    def units_of(kinds):
        return func.coalesce(func.sum(case((TrainingRecord.kind.in_(kinds), TrainingRecord.units), else_=0)), 0)

    query = select(
        Accreditation.id, Accreditation.person_id, Accreditation.training_started_on, RuleSet.society_id,
        RuleSetVersion.pace_supervision_per_year, RuleSetVersion.pace_leading_per_year,
        units_of(SUPERVISION_KINDS).label("supervision"), units_of(LEADING_KINDS).label("leading"),
    ).join(RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id).join(RuleSet).outerjoin(
        TrainingRecord, and_(
            TrainingRecord.person_id == Accreditation.person_id, TrainingRecord.status == "approved",
            TrainingRecord.occurred_on >= Accreditation.training_started_on, TrainingRecord.occurred_on <= day,
            TrainingRecord.kind.in_(SUPERVISION_KINDS + LEADING_KINDS))
    ).where(
        Accreditation.status == "in_training", Accreditation.training_started_on <= day,
        or_(RuleSetVersion.pace_supervision_per_year.is_not(None), RuleSetVersion.pace_leading_per_year.is_not(None)),
        _in_society(RuleSet.society_id, society_id),
    ).group_by(Accreditation.id, Accreditation.person_id, Accreditation.training_started_on, RuleSet.society_id,
               RuleSetVersion.pace_supervision_per_year, RuleSetVersion.pace_leading_per_year)
    wanted = []
    for row in db.session.execute(query):
        years = _whole_years(row.training_started_on, day)
        if years < 1:
            continue
        for what, pace, done in (("supervision", row.pace_supervision_per_year, row.supervision),
                                 ("leading", row.pace_leading_per_year, row.leading)):
            if pace is None:
                continue
            expected = pace * years
            if done < expected:
                wanted.append(Wanted(
                    row.society_id, "trainee_behind_pace", "accreditation", row.id, what, "warning",
                    f"Trainee behind the {what} pace: {float(done):g} of {float(expected):g} units "
                    f"expected after {years} year(s) of training.",
                    {"person_id": row.person_id, "pace": what, "done": float(done), "expected": float(expected),
                     "years": years}))
    return wanted


@dataclass
class _Leader:
    trainee: bool = False
    accredited: bool = False
    # First day the leader no longer brings a valid accreditation to the group; None: not foreseen.
    loses_on: date | None = None


def _first_day_without(expires_on, invalid_from, leaves_on) -> date | None:
    candidates = [d + timedelta(days=1) for d in (expires_on, leaves_on) if d is not None]
    if invalid_from is not None:
        candidates.append(invalid_from)
    return min(candidates) if candidates else None


def group_flags(day: date, society_id: int | None, rules: Rules) -> list[Wanted]:
    participants = select(GroupParticipant.group_id, func.count().label("size")).where(
        GroupParticipant.starts_on <= day, or_(GroupParticipant.ends_on.is_(None), GroupParticipant.ends_on >= day)
    ).group_by(GroupParticipant.group_id).subquery()
    groups = {row.id: row for row in db.session.execute(
        select(Group.id, Group.society_id, Group.status, func.coalesce(participants.c.size, 0).label("size"))
        .outerjoin(participants, participants.c.group_id == Group.id)
        .where(_group_running(day), _in_society(Group.society_id, society_id)))}
    leaders: dict[int, dict[int, _Leader]] = defaultdict(dict)
    serving = select(GroupLeader.group_id, GroupLeader.person_id, GroupLeader.is_trainee, GroupLeader.ends_on,
                     Accreditation.id.label("accreditation_id"), Accreditation.expires_on, Accreditation.invalid_from
                     ).join(Group, Group.id == GroupLeader.group_id).outerjoin(
        Accreditation, and_(Accreditation.person_id == GroupLeader.person_id, valid_on(day))).where(
        leader_serving_on(day), _group_running(day), _in_society(Group.society_id, society_id))
    for row in db.session.execute(serving):
        leader = leaders[row.group_id].setdefault(row.person_id, _Leader())
        leader.trainee = leader.trainee or row.is_trainee
        if row.accreditation_id is None:
            continue
        loses_on = _first_day_without(row.expires_on, row.invalid_from, row.ends_on)
        if not leader.accredited:
            leader.accredited, leader.loses_on = True, loses_on
        elif leader.loses_on is not None:
            leader.loses_on = None if loses_on is None else max(leader.loses_on, loses_on)

    wanted = []
    for group_id, group in groups.items():
        crew = leaders.get(group_id, {})
        wanted.extend(_leadership_flags(group, crew, day, rules))
        if group.status in NORM_STATUSES:
            wanted.extend(_norm_flags(group, len(crew), rules))
    return wanted


def _leadership_flags(group, crew: dict[int, _Leader], day: date, rules: Rules) -> list[Wanted]:
    wanted = []
    accredited = [leader for leader in crew.values() if counts_as_accredited(leader.trainee, leader.accredited)]
    if not accredited:
        wanted.append(Wanted(
            group.society_id, "group_unaccredited", "group", group.id, "no-accredited-leader", "critical",
            f"No leader of the group is accredited on {day.isoformat()}.", {"leaders": len(crew)}))
    elif all(leader.loses_on is not None for leader in accredited):
        loses_on = max(leader.loses_on for leader in accredited)
        if loses_on <= day + timedelta(days=rules.horizon_of(group.society_id)):
            wanted.append(Wanted(
                group.society_id, "group_losing_accreditation", "group", group.id, loses_on.isoformat(), "warning",
                f"The group has no accredited leader from {loses_on.isoformat()}.",
                {"loses_on": loses_on.isoformat(), "days_left": (loses_on - day).days}, loses_on))
    for person_id, leader in crew.items():
        if leader.trainee and not leader.accredited and not any(
                counts_as_accredited(other.trainee, other.accredited) for pid, other in crew.items() if pid != person_id):
            wanted.append(Wanted(
                group.society_id, "trainee_unsupervised", "group", group.id, f"trainee:{person_id}", "critical",
                f"A trainee leader (person {person_id}) leads with no accredited co-leader.", {"person_id": person_id}))
    return wanted


def _norm_flags(group, leader_count: int, rules: Rules) -> list[Wanted]:
    # The same check as the group pages (services/groups/norms.py): its codes are the flags' causes.
    return [
        Wanted(group.society_id, "group_norms", "group", group.id, warning.code, warning.severity,
               norms.describe(warning.code, warning.count, warning.limit),
               {"actual": warning.count, "norm": warning.limit})
        for warning in norms.check(group.size, leader_count, rules.norms[group.society_id])
    ]


STEPS = (
    ("accreditations", accreditation_flags),
    ("memberships", membership_flags),
    ("dues", dues_flags),
    ("training pace", pace_flags),
    ("groups", group_flags),
)


# -- the scan --------------------------------------------------------------------------------

def wanted_flags(day: date, society_id: int | None = None, progress=None) -> dict[tuple, Wanted]:
    """Every cause holding on ``day``, by cause key."""
    rules = load_rules()
    wanted: dict[tuple, Wanted] = {}
    for number, (name, step) in enumerate(STEPS, start=1):
        for flag in step(day, society_id, rules):
            wanted[flag.key] = flag
        if progress:
            progress(name, number, len(STEPS) + 1)
    return wanted


def _serialize_scans() -> None:
    # Two scans at once (a scheduled run and "run now") would race for the same open-flag keys.
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCAN_LOCK_KEY})


def scan(day: date, *, society_id: int | None = None, job_run_id: int | None = None, progress=None) -> ScanSummary:
    """Raise the flags whose cause holds on ``day`` and resolve the open ones whose cause is gone.

    Set-based and idempotent; only flushes (the caller commits, once)."""
    _serialize_scans()
    wanted = wanted_flags(day, society_id, progress)
    open_flags = {
        (row.kind, row.subject_type, row.subject_id, row.cause): row
        for row in db.session.execute(
            select(Flag.id, Flag.kind, Flag.subject_type, Flag.subject_id, Flag.cause, Flag.society_id)
            .where(Flag.resolved_at.is_(None), Flag.kind.in_(SCAN_KINDS), _in_society(Flag.society_id, society_id)))
    }
    new = [flag for key, flag in wanted.items() if key not in open_flags]
    gone = [row for key, row in open_flags.items() if key not in wanted]
    _raise(new, day, job_run_id)
    _resolve([row.id for row in gone], day)
    _announce_group_standing(new, gone, day)
    summary = _summarize(day, new, gone, wanted.values())
    if progress:
        progress("flags", len(STEPS) + 1, len(STEPS) + 1)
    return summary


def _raise(flags: list[Wanted], day: date, job_run_id: int | None) -> None:
    if not flags:
        return
    now = datetime.now(timezone.utc)
    db.session.execute(insert(Flag.__table__), [
        dict(society_id=f.society_id, kind=f.kind, subject_type=f.subject_type, subject_id=f.subject_id, cause=f.cause,
             severity=f.severity, message=f.message[:500], details=json.dumps(f.details, sort_keys=True),
             due_on=f.due_on, raised_on=day, raised_at=now, job_run_id=job_run_id)
        for f in flags
    ])


def _resolve(flag_ids: list[int], day: date) -> None:
    now = datetime.now(timezone.utc)
    for start in range(0, len(flag_ids), RESOLVE_CHUNK):
        db.session.execute(
            update(Flag).where(Flag.id.in_(flag_ids[start:start + RESOLVE_CHUNK]), Flag.resolved_at.is_(None))
            .values(resolved_at=now, resolved_on=day).execution_options(synchronize_session=False))


def _announce_group_standing(new, gone, day: date) -> None:
    """Webhook events, in the scan's transaction: a group_unaccredited flag raised is a group that
    lost its accredited status; one resolved while the group is accredited that day regained it."""
    lost = [flag.subject_id for flag in new if flag.kind == "group_unaccredited"]
    resolved = [row.subject_id for row in gone if row.kind == "group_unaccredited"]
    for event_type, group_ids, condition in (("group.accreditation_lost", lost, None),
                                             ("group.accreditation_regained", resolved, accredited_group(day))):
        for start in range(0, len(group_ids), RESOLVE_CHUNK):
            statement = select(Group.id, Group.society_id, Group.name, Group.status).where(
                Group.id.in_(group_ids[start:start + RESOLVE_CHUNK]))
            if condition is not None:
                statement = statement.where(condition)
            webhooks.emit(event_type, [
                (row.society_id, {"group": {"id": row.id, "name": row.name, "status": row.status},
                                  "day": day.isoformat()})
                for row in db.session.execute(statement)])


def _summarize(day: date, new, gone, still_open) -> ScanSummary:
    summary = ScanSummary(day, raised=len(new), resolved=len(gone))
    counters = defaultdict(lambda: {"raised": 0, "resolved": 0, "open": 0})
    by_society = defaultdict(lambda: {"raised": 0, "resolved": 0, "open": 0})
    for label, rows in (("raised", new), ("resolved", gone), ("open", still_open)):
        for row in rows:
            counters[row.kind][label] += 1
            by_society[str(row.society_id)][label] += 1
    summary.open = sum(1 for _ in still_open)
    summary.by_kind = {kind: counters[kind] for kind in sorted(counters)}
    summary.by_society = dict(by_society)
    return summary
