"""Believable demo data drawn from the domain page, and the same at benchmark scale.

One generator serves both: the demo is ``generate(40)`` plus the named cases the
README points at (the physiotherapists' group, leaders at every stage, the demo
logins). Rows are written with set-based bulk inserts, chunk by chunk, so 20,000
groups take seconds, not minutes. Bulk rows bypass the per-row audit hook; one
audit event records the seeding itself.
"""
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, text

from ...extensions import db
from ...models import (
    Accreditation, AccreditationDecision, Attendance, DuesPayment, Group, GroupAudience, GroupLeader, GroupOpenness,
    GroupParticipant, GroupSession, Membership, Person, PersonQualification, RuleSetVersion, Society, TrainingRecord,
    User,
)
from . import accounts, audit, bulk, planner
from ..accreditation import rulesets
from ..accreditation.evaluator import add_months

GIVEN = ("Anna Erik Karin Lars Maria Johan Eva Anders Sara Per Lena Mikael Ingrid Nils Sofia Olof Birgitta "
         "Gustav Helena Magnus Elin Björn Kerstin Fredrik Ulla Astrid Henrik Margareta Jonas Linnea").split()
FAMILY = ("Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson "
          "Lindberg Lindqvist Berg Holm Sandberg Ek Wallin Sjöberg Lundgren Nyström Åberg Öhman Strand Hedlund").split()
CITIES = ("Stockholm Göteborg Malmö Uppsala Linköping Örebro Västerås Umeå Lund Jönköping Karlstad Sundsvall "
          "Gävle Växjö Luleå Falun Kalmar Visby Östersund Halmstad").split()
OTHER_AUDIENCES = (("resident",), ("psychologist",), ("psychiatrist", "resident"), ("nurse", "gp"),
                   ("physiotherapist",), ("psychologist", "psychotherapist"))
# The stage of each group's first leader, cycling; every stage shows up in the first 20 groups.
LEADER_STAGES = ("accredited",) * 10 + ("expiring", "expiring", "lapsed", "lapsed", "applied", "suspended",
                                         "accredited", "accredited", "accredited", "accredited")
DEMO_LOGINS = {
    "admin": ("admin@sbs.example", "balint-admin-demo"),
    "leader": ("leader@sbs.example", "balint-leader-demo"),
    "trainee": ("trainee@sbs.example", "balint-trainee-demo"),
    "member": ("member@sbs.example", "balint-member-demo"),  # a participant of two groups, no leader role
}
# Participants' membership categories, weighted (residents are trainee members, leaders full ones).
CATEGORIES = ("full", "associate", "trainee", "student", "retired", "honorary")
CATEGORY_WEIGHTS = (55, 12, 10, 8, 10, 5)
# The named groups of the first run: the demo leader's, the physiotherapists', the member's second.
MEMBERS_SECOND_GROUP = 2
CHUNK = 1000
_ASCII = str.maketrans("åäöÅÄÖéü", "aaoAAOeu")


@dataclass
class Summary:
    groups: int = 0
    people: int = 0
    sessions: int = 0
    training_records: int = 0
    accreditations: int = 0
    logins: dict = field(default_factory=dict)


class _Ids:
    """Hands out primary keys above what the tables hold, so rows can refer to each other before insert."""

    def __init__(self, models):
        self._next = {m: (db.session.scalar(db.select(func.max(m.id))) or 0) + 1 for m in models}

    def take(self, model) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


class Generator:
    def __init__(self, society: Society, version: RuleSetVersion, today: date, seed: int = 1957):
        self.society, self.version, self.today = society, version, today
        self.rng = random.Random(seed)
        self.ids = _Ids([Person, Membership, DuesPayment, Group, GroupLeader, GroupParticipant, GroupSession,
                         TrainingRecord, Accreditation, AccreditationDecision])
        self.now = datetime.now(timezone.utc)
        self.rows: dict = {}
        self.special: dict[str, int] = {}
        self.summary = Summary()
        # The named demo cases (the physiotherapists' group, the demo logins' people) come once.
        self.first_run = not db.session.scalar(db.select(Group.id).where(Group.society_id == society.id).limit(1))

    # -- rows -------------------------------------------------------------
    def _add(self, model, row: dict) -> dict:
        self.rows.setdefault(model, []).append(row)
        return row

    def person(self, profession: str, city: str, *, trained: bool = False, qualified_on: date | None = None,
               category: str | None = None) -> int:
        pid = self.ids.take(Person)
        given, family = self.rng.choice(GIVEN), self.rng.choice(FAMILY)
        email = f"{given}.{family}.{pid}@example.se".lower().translate(_ASCII)
        self._add(Person, dict(id=pid, given_name=given, family_name=family, email=email,
                               phone=f"+46 70 {pid % 1000:03d} {pid % 100:02d} {pid % 97:02d}", profession=profession,
                               language="sv", city=city, psychodynamically_trained=trained,
                               psychotherapy_qualified_on=qualified_on))
        if category is None:
            category = "trainee" if profession == "resident" else self.rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
        self.member(pid, category)
        self.summary.people += 1
        return pid

    def member(self, person_id: int, category: str) -> None:
        mid = self.ids.take(Membership)
        joined = self.today - timedelta(days=self.rng.randint(200, 4000))
        self._add(Membership, dict(id=mid, person_id=person_id, society_id=self.society.id, category=category,
                                   joined_on=joined, ended_on=None, end_reason=None))
        roll = self.rng.random()
        for period in (self.today.year - 1, self.today.year):
            if period < joined.year:
                continue  # no dues for a year before the member joined
            unpaid = roll < 0.04 or (period == self.today.year and roll < 0.16)
            due = max(date(period, 1, 31), joined + timedelta(days=30))
            paid = max(joined, due - timedelta(days=self.rng.randint(0, 25)))
            self._add(DuesPayment, dict(
                id=self.ids.take(DuesPayment), membership_id=mid, period=period, amount=Decimal("450.00"),
                currency="SEK", due_on=due, reference=None,
                paid_on=None if unpaid or due > self.today or paid > self.today else paid))

    def record(self, person_id: int, kind: str, occurred_on: date, *, unit="session", units=1, minutes=90,
               status="approved", source="admin", group_id=None, session_id=None, supervisor_id=None,
               title=None, accredited_leader=True, in_person=True) -> None:
        self._add(TrainingRecord, dict(
            id=self.ids.take(TrainingRecord), person_id=person_id, kind=kind, occurred_on=occurred_on, unit=unit,
            units=Decimal(units), minutes=minutes, in_person=in_person, with_accredited_leader=accredited_leader,
            title=title, source=source, group_id=group_id, session_id=session_id, supervisor_id=supervisor_id,
            status=status, decided_by_id=None, decided_at=self.now if status != "pending" else None,
            rejection_reason=None, countersigned_by_id=None, countersigned_at=None, evidence_path=None,
            evidence_name=None, evidence_type=None, created_by_id=None))
        self.summary.training_records += 1

    def accreditation(self, person_id: int, stage: str, started: date) -> None:
        aid = self.ids.take(Accreditation)
        validity = self.version.validity_months
        status, granted, expires, applied = "in_training", None, None, None
        if stage in ("accredited", "suspended"):
            granted = self.today - timedelta(days=self.rng.randint(100, 1600))
        elif stage == "expiring":
            granted = add_months(self.today + timedelta(days=self.rng.randint(10, 55)), -validity)
        elif stage == "lapsed":
            granted = add_months(self.today - timedelta(days=self.rng.randint(20, 200)), -validity)
        if granted:
            status = "suspended" if stage == "suspended" else "granted"
            expires = add_months(granted, validity) if validity else None
        if stage == "applied":
            status, applied = "applied", self.now - timedelta(days=self.rng.randint(2, 20))
        self._add(Accreditation, dict(
            id=aid, person_id=person_id, rule_set_version_id=self.version.id, status=status,
            training_started_on=started, applied_at=applied, granted_on=granted, expires_on=expires,
            # The suspension takes effect on the day it was decided, as lifecycle.suspend records it.
            invalid_from=self.today - timedelta(days=14) if stage == "suspended" else None,
            decided_by_id=None, decision_reason="Requirements met; decided by the board." if granted else None,
            public_reason="Suspended pending review." if stage == "suspended" else None))
        steps = [("start", None, "in_training", started)]
        if applied or granted:
            steps.append(("apply", "in_training", "applied", granted or self.today))
        if granted:
            steps.append(("grant", "applied", "granted", granted))
        if stage == "suspended":
            steps.append(("suspend", "granted", "suspended", self.today - timedelta(days=14)))
        for action, before, after, day in steps:
            self._add(AccreditationDecision, dict(
                id=self.ids.take(AccreditationDecision), accreditation_id=aid, action=action, from_status=before,
                to_status=after, decided_by_id=None, expires_on=expires if action == "grant" else None,
                decided_at=datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc),
                reason="Demo history" if action != "suspend" else "Supervisor raised a concern; under review."))
        self.summary.accreditations += 1

    def ledger(self, person_id: int, stage: str, started: date, supervisor_id: int | None) -> None:
        """A leader's history before the recent sessions: enough for the stage they are at."""
        trainee = stage == "trainee"
        for block in range(3):
            self.record(person_id, "participation", started - timedelta(days=400 * (block + 1)), units=25,
                        minutes=25 * 90, title="Group membership (imported)", source="import")
        for block in range(2 if trainee else 5):
            self.record(person_id, "co_leading", started + timedelta(days=60 * (block + 1)), units=10 if not trainee else 6,
                        minutes=900, source="import")
        for block in range(1 if trainee else 4):
            self.record(person_id, "supervision", started + timedelta(days=90 * (block + 1)), unit="hour", units=6,
                        minutes=360, supervisor_id=supervisor_id)
        for block in range(1 if trainee else 2):
            self.record(person_id, "intensive", started + timedelta(days=120 * block + 30), unit="event", units=1,
                        minutes=960, title="Leadership course")
        if trainee:
            recent = min(self.today - timedelta(days=10), started + timedelta(days=300))
            self.record(person_id, "supervision", recent, unit="hour", units=2, minutes=120, status="pending",
                        source="self", supervisor_id=supervisor_id)
            self.record(person_id, "intensive", recent - timedelta(days=5), unit="event", units=1, minutes=480,
                        status="pending", source="self", title="Autumn leadership weekend")

    def leader(self, group_id: int, city: str, stage: str, role: str, starts: date, supervisor_id=None,
               profession: str = "gp", trained: bool = False, qualified_on: date | None = None) -> int:
        pid = self.person(profession, city, trained=trained, qualified_on=qualified_on, category="full")
        started = self.today - timedelta(days=self.rng.randint(400, 700) if stage == "trainee"
                                         else self.rng.randint(2000, 3200))
        self.ledger(pid, stage, started, supervisor_id)
        self.accreditation(pid, stage, started)
        # Nobody leads or co-leads before their training started.
        self._add(GroupLeader, dict(id=self.ids.take(GroupLeader), group_id=group_id, person_id=pid, role=role,
                                    is_trainee=stage == "trainee", starts_on=max(starts, started), ends_on=None))
        return pid

    def group(self, index: int) -> None:
        rng, gid = self.rng, self.ids.take(Group)
        city = CITIES[index % len(CITIES)]
        physio = index == 1 and self.first_run
        audience = ("gp",) if index % 2 == 0 else OTHER_AUDIENCES[index % len(OTHER_AUDIENCES)]
        rhythm, minutes = rng.choice((("weekly", 120), ("fortnightly", 90), ("monthly", 120), ("monthly", 150)))
        starts = self.today - timedelta(days=rng.randint(60, 2200))
        status = rng.choices(("active", "forming", "paused", "closed"), (80, 8, 6, 6))[0]
        name = f"Balintgrupp {city} {gid}"
        ends = None
        if physio:
            name, audience, rhythm, minutes, status = "Fysioterapeuter i privat praktik", ("physiotherapist",), "monthly", 120, "active"
            starts = add_months(self.today, -17)
            ends = add_months(starts, 18)
        if status == "closed":
            ends = self.today - timedelta(days=rng.randint(10, 300))
            starts = min(starts, ends - timedelta(days=365))
        if self.first_run and index in (0, MEMBERS_SECOND_GROUP):
            status = "active"  # the demo logins' groups meet: their sessions and attendance show
        group_format = rng.choices(("in_person", "online", "hybrid"), (70, 15, 15))[0] if not physio else "in_person"
        self._add(Group, dict(
            id=gid, society_id=self.society.id, name=name, city=city, country="SE",
            format=group_format,
            language="sv", rhythm=rhythm, session_minutes=minutes, starts_on=starts, ends_on=ends,
            accepting_members=status in ("forming", "active") and rng.random() < 0.4, status=status))
        self.rows[Group][-1].update(join_details(index, gid, city, audience, group_format, physio))
        # Its openness history: the state it has now, from its first day.
        self._add(GroupOpenness, dict(group_id=gid, accepting_members=self.rows[Group][-1]["accepting_members"],
                                      effective_from=starts, set_by_id=None))
        for profession in audience:
            self._add(GroupAudience, dict(group_id=gid, profession=profession))

        # Leaders: a first leader at the stage the cycle gives, often a co-leader (a trainee, mostly).
        stage = LEADER_STAGES[index % len(LEADER_STAGES)]
        leader_profession = "physiotherapist" if physio else (audience[0] if audience[0] in ("gp", "psychologist", "psychiatrist") else "gp")
        first = self.leader(gid, city, stage, "leader", starts, profession=leader_profession,
                            trained=physio or rng.random() < 0.3,
                            qualified_on=date(2009, 5, 1) if physio else None)
        leaders = [(first, "leader", stage)]
        named = index == 0 and self.first_run
        if named or (not physio and rng.random() < 0.75):
            co_stage = "trainee" if named or rng.random() < 0.6 else "accredited"
            supervisor = first if stage in ("accredited", "expiring") else None
            co = self.leader(gid, city, co_stage, "co_leader", starts + timedelta(days=30), supervisor_id=supervisor)
            leaders.append((co, "co_leader", co_stage))
        if named:
            self.special["leader"] = first
            if len(leaders) > 1 and leaders[1][2] == "trainee":
                self.special["trainee"] = leaders[1][0]

        size = 6 if physio else rng.choice((3, 5, 6, 7, 8, 8, 9, 10, 10, 13)) if status != "forming" else rng.randint(2, 5)
        participants = [self.person(rng.choice(audience), city) for _ in range(size)]
        if named:
            self.special["member"] = participants[0]
        elif self.first_run and index == MEMBERS_SECOND_GROUP and "member" in self.special:
            participants.append(self.special["member"])  # the demo member takes part in a second group
        for pid in participants:
            self._add(GroupParticipant, dict(id=self.ids.take(GroupParticipant), group_id=gid, person_id=pid,
                                             starts_on=starts, ends_on=None))
        if status in ("active", "paused", "closed"):
            self.sessions(gid, rhythm, minutes, starts, ends, leaders, participants, group_format)
        self.summary.groups += 1

    def sessions(self, gid, rhythm, minutes, starts, ends, leaders, participants, group_format="in_person") -> None:
        step = {"weekly": 7, "fortnightly": 14, "monthly": 28}.get(rhythm, 28)
        last = min(ends or self.today, self.today) - timedelta(days=self.rng.randint(1, step))
        for k in range(6):
            held = last - timedelta(days=step * k)
            if held < starts:
                break
            sid = self.ids.take(GroupSession)
            # A hybrid group meets in the room and online, by turns; an online group only online.
            session_format = {"online": "online", "hybrid": ("in_person", "online")[k % 2]}.get(group_format, "in_person")
            self._add(GroupSession, dict(id=sid, group_id=gid, held_on=held, minutes=minutes, format=session_format,
                                         recorded_by_id=None))
            self.summary.sessions += 1
            for pid, role, _stage in leaders:
                self._add(Attendance, dict(session_id=sid, person_id=pid, role=role))
                self.record(pid, "leading" if role == "leader" else "co_leading", held, minutes=minutes,
                            source="attendance", group_id=gid, session_id=sid, in_person=session_format == "in_person")
            for pid in participants:
                if self.rng.random() < 0.85 or pid == self.special.get("member"):
                    self._add(Attendance, dict(session_id=sid, person_id=pid, role="participant"))
                    self.record(pid, "participation", held, minutes=minutes, source="attendance", group_id=gid,
                                session_id=sid, in_person=session_format == "in_person")

    def flush_rows(self) -> None:
        order = (Person, Membership, DuesPayment, Group, GroupAudience, GroupOpenness, GroupLeader, GroupParticipant, GroupSession,
                 Attendance, Accreditation, AccreditationDecision, TrainingRecord)
        for model in order:
            rows = self.rows.pop(model, None)
            if rows:
                _bulk_insert(model.__table__, rows, self.now)
        self.rows = {}


def _bulk_insert(table, rows: list[dict], now: datetime) -> None:
    bulk.insert_rows(table, rows, now)


# The tables the seed fills by bulk insert with explicit ids: their id sequences are moved past
# them, and their planner statistics refreshed, once it is done.
DEMO_PLACES = ("Vårdcentralen", "Hälsocentralen", "Universitetssjukhuset", "Mottagningen")


def join_details(index: int, gid: int, city: str, audience: tuple, group_format: str, physio: bool) -> dict:
    """What the finder shows a person who wants to join: derived from the group's place in the demo, not
    from the random stream, so the rest of the demo stays as it was."""
    setting = ("private_practice" if physio else "residency" if "resident" in audience
               else "hospital" if audience[0] in ("psychiatrist", "nurse") else "primary_care")
    return dict(
        setting=setting, term="time_limited" if physio else "ongoing",
        open_places=(gid % 4) + 1 if index % 5 else None,  # every fifth open group gives no number
        meeting_weekday=index % 5, meeting_time=time(17 + index % 2, 30 if index % 3 else 0),
        timezone="Europe/Stockholm",
        address=None if group_format == "online" else f"{DEMO_PLACES[index % len(DEMO_PLACES)]}, Storgatan {gid % 40 + 1}",
        cme_recognised=index % 3 == 0, cme_recognised_by="SFAM" if index % 3 == 0 else None,
    )


SEEDED_MODELS = (Person, Membership, DuesPayment, Group, GroupLeader, GroupParticipant, GroupSession,
                 TrainingRecord, Accreditation, AccreditationDecision)


def _reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for model in SEEDED_MODELS:
        table = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))


def _demo_accounts(society: Society, special: dict) -> dict:
    logins = {}
    for role, (email, password) in DEMO_LOGINS.items():
        if db.session.scalar(db.select(User.id).where(User.email == email)):
            logins[role] = (email, password)
            continue
        person_id = special.get(role)
        if role != "admin" and person_id is None:
            continue
        accounts.create_user(email, password, role if role in ("admin", "member") else "leader",
                             society_id=society.id if role == "admin" else None, person_id=person_id)
        logins[role] = (email, password)
    return logins


def _member_follows_grundversorgung(shipped: dict, person_id: int | None) -> None:
    """The demo participant follows the German participant rule set, so their page shows its progress."""
    from ..accreditation.participant_credentials import follow

    rule_set = shipped.get("de-grundversorgung")
    if person_id is not None and rule_set is not None:
        follow(person_id, rule_set.id)


def seed(groups: int = 40, today: date | None = None, progress=None) -> Summary:
    """Load the shipped rule sets and generate ``groups`` Swedish groups with everything around them."""
    today = today or date.today()
    shipped = rulesets.load_shipped()
    society = shipped["se"].society
    version = rulesets.version_in_force(shipped["se"], today)
    generator = Generator(society, version, today)
    for start in range(0, groups, CHUNK):
        for index in range(start, min(groups, start + CHUNK)):
            generator.group(index)
        generator.flush_rows()
        if progress:
            progress(min(groups, start + CHUNK))
    _reset_sequences()
    db.session.flush()
    planner.after_bulk_write(generator.summary.people, *(model.__tablename__ for model in SEEDED_MODELS))
    seed_uk_candidates(shipped["uk"], generator.summary)
    summary = generator.summary
    summary.logins = _demo_accounts(society, generator.special)
    from ..membership.invoices import open_demo_invoices

    open_demo_invoices(society, generator.special.get("member"), today)
    seed_qualifications(generator.special.get("leader"), today)
    summary.logins["uk-admin"] = UK_ADMIN
    _member_follows_grundversorgung(shipped, generator.special.get("member"))
    audit.record("seed_demo", entity_type="Society", entity_id=society.id, society_id=society.id,
                 details={"groups": summary.groups, "people": summary.people})
    # Certificates for the accreditations granted in the demo, dated on their grant: numbers
    # only here, each PDF renders on its first download.
    from ..certificates import issuing as certificates

    certificates.issue_at_grant(society.id)
    # The groups, leaders and accreditations went in by bulk insert, which the summaries' flush hook does not see.
    from ..groups import summaries

    summaries.rebuild_all(day=today)
    return summary


def seed_qualifications(leader_id: int | None, today: date) -> None:
    """The demo leader's qualifications: one verified by the society's administrator, one awaiting it."""
    from ...models import PersonQualification

    admin_id = db.session.scalar(db.select(User.id).where(User.email == DEMO_LOGINS["admin"][0]))
    if leader_id is None or admin_id is None or db.session.scalar(
            db.select(PersonQualification.id).where(PersonQualification.person_id == leader_id).limit(1)):
        return
    # Written like the rest of the demo, set-based (the seed's own audit event covers it).
    common = dict(person_id=leader_id, recorded_by_id=admin_id, version_id=1, note=None, evidence_path=None,
                  evidence_name=None, evidence_type=None)
    db.session.execute(PersonQualification.__table__.insert(), [
        dict(common, code="general_practice_specialist", obtained_on=date(today.year - 12, 9, 1),
             verified_by_id=admin_id, verified_at=datetime.now(timezone.utc)),
        dict(common, code="psychodynamic_training", obtained_on=date(today.year - 4, 6, 1), verified_by_id=None,
             verified_at=None),
    ])


def scan_after_seeding(day: date | None = None) -> dict | None:
    """Run the lapse scan once, as a recorded job run, so a fresh demo's flags inbox and dashboard
    show what needs attention (the scheduler would only scan at night). Its counts, or None when
    another process holds the run. Call it after the seed is committed."""
    from . import job_runs

    run = job_runs.run("lapse-scan", day or date.today(), trigger="manual")
    return json.loads(run.counts) if run is not None and run.counts else None


def database_is_empty() -> bool:
    return db.session.scalar(db.select(func.count(Society.id))) == 0


# -- UK candidates: grandfathering on the 2016 and 2023 rules ------------------------------

UK_ADMIN = ("admin@ukbs.example", "balint-admin-demo")
# name, psychodynamically trained, training started, ledger (kind, unit, units, year), apply?
UK_CANDIDATES = (
    # Started in 2022: stays on the 2016 rules (the old criteria, kept for those already on the pathway)
    # and has met them.
    ("Harriet", "Hughes", False, date(2022, 3, 1),
     [("participation", "session", 20, 2021), ("co_leading", "session", 20, 2023), ("intensive", "event", 2, 2022),
      ("supervisor_report", "event", 1, 2024), ("portfolio", "event", 1, 2024)], False),
    # Started in 2024: on the 2023 rules; the same ledger plus supervision, but no portfolio and no Form A yet.
    ("Owen", "Price", False, date(2024, 2, 1),
     [("participation", "session", 20, 2023), ("co_leading", "session", 20, 2025), ("intensive", "event", 2, 2024),
      ("supervision", "session", 6, 2025), ("supervisor_report", "event", 1, 2025)], False),
    # Psychodynamically trained, started before June 2023 (the 2016 rules): 8 sessions are enough (the
    # alternative only such candidates have); everything met, applied.
    ("Priya", "Shah", True, date(2023, 3, 1),
     [("participation", "session", 8, 2023), ("co_leading", "session", 20, 2024), ("intensive", "event", 2, 2024),
      ("supervision", "session", 6, 2025), ("supervisor_report", "event", 1, 2025), ("portfolio", "event", 1, 2025)],
     True),
)


def seed_uk_candidates(rule_set, summary: Summary) -> None:
    """Three candidates of the UK society showing grandfathering, and its administrator's login."""
    from ..accreditation import lifecycle

    society = rule_set.society
    if db.session.scalar(db.select(Person.id).where(Person.email == "harriet.hughes@example.org.uk")):
        return
    admin = db.session.scalar(db.select(User).where(User.email == UK_ADMIN[0])) or accounts.create_user(
        UK_ADMIN[0], UK_ADMIN[1], "admin", society_id=society.id)
    for given, family, trained, started, ledger, applies in UK_CANDIDATES:
        person = Person(given_name=given, family_name=family, email=f"{given}.{family}@example.org.uk".lower(),
                        profession="gp", language="en", city="London", psychodynamically_trained=trained)
        db.session.add(person)
        db.session.add(Membership(person=person, society=society, category="full", joined_on=date(started.year - 2, 1, 1)))
        if trained:
            db.session.flush()
            # The psychodynamic training, with the day it began (the 8 sessions count "during or after" it),
            # verified by the society's administrator.
            db.session.add(PersonQualification(
                person_id=person.id, code="psychodynamic_training", obtained_on=date(2021, 6, 30),
                training_started_on=date(2018, 9, 1), recorded_by_id=admin.id, verified_by_id=admin.id,
                verified_at=datetime(2022, 1, 10, tzinfo=timezone.utc)))
        for kind, unit, units, year in ledger:
            # Group sessions in an ongoing group (the 2016 criteria ask "an ongoing group or weekends").
            db.session.add(TrainingRecord(person=person, kind=kind, occurred_on=date(year, 6, 15), unit=unit,
                                          units=Decimal(units), minutes=90 * units if unit == "session" else 0,
                                          with_accredited_leader=True, status="approved", source="import",
                                          tags="ongoing_group" if kind == "participation" else None))
        db.session.flush()
        accreditation = lifecycle.start_pathway(person, rule_set, started)
        if applies:
            lifecycle.apply(accreditation, date(2026, 1, 15))
        summary.people += 1
        summary.training_records += len(ledger)
        summary.accreditations += 1
