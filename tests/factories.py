"""Small factories for domain objects: defaults that make sense, overrides by keyword."""
import itertools
from datetime import date
from decimal import Decimal

from society.extensions import db
from society.models import (
    Accreditation, DuesPayment, Group, GroupAudience, GroupLeader, GroupParticipant, Membership, Person,
    Requirement, RuleSet, RuleSetVersion, Society, TrainingRecord, User,
)
from society.services.platform.accounts import hash_password

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_password_hash = None


def _n() -> int:
    return next(_counter)


def password_hash() -> str:
    # Hashed once per session (with the test app's cheap argon2 parameters: conftest.py).
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def _save(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


def society(**kw) -> Society:
    n = _n()
    values = dict(code=f"S{n}", name=f"Balint Society {n}", country="SE", languages="sv,en", default_language="sv")
    values.update(kw)
    return _save(Society(**values))


def person(**kw) -> Person:
    n = _n()
    values = dict(given_name=f"Given{n}", family_name=f"Family{n}", email=f"person{n}@example.org", profession="gp")
    values.update(kw)
    return _save(Person(**values))


def membership(person_: Person, society_: Society, **kw) -> Membership:
    values = dict(person=person_, society=society_, category="full", joined_on=date(2020, 1, 1))
    values.update(kw)
    return _save(Membership(**values))


def dues(membership_: Membership, period: int, paid_on: date | None = None, **kw) -> DuesPayment:
    values = dict(membership=membership_, period=period, amount=Decimal("450"), due_on=date(period, 1, 31), paid_on=paid_on)
    values.update(kw)
    return _save(DuesPayment(**values))


def user(role: str = "admin", society: Society | None = None, person: Person | None = None, **kw) -> User:
    values = dict(email=f"user{_n()}@example.org", password_hash=password_hash(), role=role,
                  society_id=society.id if society else None, person_id=person.id if person else None)
    values.update(kw)
    return _save(User(**values))


def group(society_: Society, **kw) -> Group:
    n = _n()
    audiences = kw.pop("audiences", ["gp"])
    values = dict(society=society_, name=f"Group {n}", city="Uppsala", country="SE", format="in_person",
                  language="sv", rhythm="fortnightly", session_minutes=90, starts_on=date(2024, 1, 1), status="active")
    values.update(kw)
    obj = Group(**values)
    obj.audiences = [GroupAudience(profession=p) for p in audiences]
    return _save(obj)


def group_leader(group_: Group, person_: Person, **kw) -> GroupLeader:
    values = dict(group=group_, person=person_, role="leader", starts_on=date(2024, 1, 1))
    values.update(kw)
    return _save(GroupLeader(**values))


def participant(group_: Group, person_: Person, **kw) -> GroupParticipant:
    values = dict(group=group_, person=person_, starts_on=date(2024, 1, 1))
    values.update(kw)
    return _save(GroupParticipant(**values))


def rule_set(society_: Society, **kw) -> RuleSet:
    values = dict(society=society_, code=f"rs{_n()}", credential_title="Accredited Balint Group Leader")
    values.update(kw)
    return _save(RuleSet(**values))


def rule_set_version(rule_set_: RuleSet, requirements: list[dict] | None = None, **kw) -> RuleSetVersion:
    values = dict(rule_set=rule_set_, label=f"v{_n()}", effective_from=date(2020, 1, 1))
    values.update(kw)
    version = RuleSetVersion(**values)
    for item in requirements or []:
        version.requirements.append(Requirement(**{"label": item.get("label", item["kind"]), **item}))
    return _save(version)


def accreditation(person_: Person, version: RuleSetVersion, **kw) -> Accreditation:
    values = dict(person=person_, rule_set_version=version, status="in_training", training_started_on=date(2022, 1, 1))
    values.update(kw)
    return _save(Accreditation(**values))


def training_record(person_: Person, **kw) -> TrainingRecord:
    values = dict(person=person_, kind="participation", occurred_on=date(2024, 3, 1), unit="session",
                  units=Decimal(1), minutes=90, status="approved")
    values.update(kw)
    return _save(TrainingRecord(**values))


def log_in(client, email: str, password: str = PASSWORD):
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"log-in failed for {email}: {response.status_code}"
    return response


def browser_log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form in a Playwright page."""
    page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, f"browser log-in failed for {email}"


# -- rule sets, accreditation (engine) ---------------------------------------------------

def shipped_rule_set(society_: Society, name: str) -> RuleSet:
    """One of the shipped rule sets (se, uk, us, de, anz), loaded into ``society_``."""
    from society.services.accreditation import rulesets

    return rulesets.load_rule_set(rulesets.shipped_rule_set(name), society_)


def frozen_rule_set(society_: Society, name: str) -> RuleSet:
    """A rule set as the shipped file ``name`` (uk, de) stood before the published rules were checked
    point by point (tests/rulesets/<name>-flat.json): for tests of the product's behaviour, which must
    not change when a society's shipped rules are corrected (test_published_rules.py tests those)."""
    import json
    from pathlib import Path

    from society.services.accreditation import rulesets

    data = json.loads((Path(__file__).parent / "rulesets" / f"{name}-flat.json").read_text(encoding="utf-8"))
    return rulesets.load_rule_set(data, society_)


def version_labelled(rule_set_: RuleSet, label: str) -> RuleSetVersion:
    return next(v for v in rule_set_.versions if v.label == label)


def approved_records(person_: Person, *specs: dict) -> list[TrainingRecord]:
    """Several approved records at once: ``approved_records(p, dict(kind="co_leading", units=20))``."""
    return [training_record(person_, **spec) for spec in specs]


def log_in_with_csrf(client, email: str, password: str = PASSWORD) -> str:
    """Log in on an app with CSRF protection on; returns the form token for later posts."""
    import re

    page = client.get("/auth/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    response = client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"log-in failed for {email}: {response.status_code}"
    return token

def member(society_: Society, *, category: str = "full", joined_on: date = date(2020, 1, 1), ended_on=None,
           end_reason=None, **person_kw) -> Membership:
    """A person who is a member of ``society_`` (the membership is returned)."""
    return membership(person(**person_kw), society_, category=category, joined_on=joined_on, ended_on=ended_on,
                      end_reason=end_reason)


# -- certificates --------------------------------------------------------------------------

def granted_accreditation(person_: Person, society_: Society, *, granted_on: date = date(2025, 3, 1),
                          expires_on: date | None = date(2030, 3, 1), warning_days: str = "90,60,30",
                          credential_title: str = "Accredited Balint Group Leader", **kw) -> Accreditation:
    """A granted accreditation on a fresh rule set of ``society_`` (no certificate yet)."""
    version = rule_set_version(rule_set(society_, credential_title=credential_title),
                               validity_months=60 if expires_on else None, warning_days=warning_days)
    return accreditation(person_, version, status="granted", granted_on=granted_on, expires_on=expires_on, **kw)


def grant(accreditation_: Accreditation, on: date | None = None, action: str = "grant"):
    """Send the signal the accreditation service sends on a grant or renewal; returns the newest certificate."""
    from society import signals
    from society.models import Certificate
    from society.services.platform import audit

    signals.accreditation_granted.send(accreditation_, action=action, on=on or accreditation_.granted_on,
                                       actor=audit.SYSTEM)
    return db.session.scalar(db.select(Certificate).where(Certificate.accreditation_id == accreditation_.id)
                             .order_by(Certificate.id.desc()).limit(1))

# -- lapse scan, flags and jobs ---------------------------------------------------------------

def flag(society_: Society, **kw):
    from society.models import Flag

    values = dict(society_id=society_.id, kind="group_norms", subject_type="group", subject_id=1, cause="too_few_participants",
                  severity="info", message="2 participants, fewer than the minimum of 4.", raised_on=date(2026, 1, 1))
    values.update(kw)
    return _save(Flag(**values))


def job_run(**kw):
    from society.models import JobRun

    values = dict(job="lapse-scan", trigger="schedule", outcome="succeeded")
    values.update(kw)
    return _save(JobRun(**values))

# -- the training ledger -----------------------------------------------------------------

# The smallest files that carry each accepted type's content signature.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16 + b"\xff\xd9"


def accredited_person(society_: Society, *, granted_on: date = date(2020, 1, 1), expires_on: date | None = None,
                      invalid_from: date | None = None, status: str = "granted", **kw) -> Person:
    """A member of the society holding an accreditation with the given dates."""
    person_ = person(**kw)
    membership(person_, society_)
    version = rule_set_version(rule_set(society_))
    accreditation(person_, version, status=status, granted_on=granted_on, expires_on=expires_on,
                  invalid_from=invalid_from, training_started_on=date(2018, 1, 1))
    return person_


def leader_user(person_: Person, **kw) -> User:
    return user(role="leader", person=person_, **kw)

# -- groups, sessions, accreditation standing (feature/groups) ----------------------

def group_leader_accreditation(person_: Person, society_: Society, granted_on: date = date(2020, 1, 1), **kw) -> Accreditation:
    """A granted accreditation of the person on a fresh rule set of the society."""
    version = rule_set_version(rule_set(society_))
    values = dict(status="granted", granted_on=granted_on, training_started_on=date(2018, 1, 1))
    values.update(kw)
    return accreditation(person_, version, **values)


def member_person(society_: Society, **kw) -> Person:
    """A person with a membership of the society."""
    joined_on = kw.pop("joined_on", date(2020, 1, 1))
    category = kw.pop("category", "full")
    obj = person(**kw)
    membership(obj, society_, joined_on=joined_on, category=category)
    return obj

def certificate(accreditation_, **kw):
    from society.models import Certificate

    values = dict(accreditation=accreditation_, number=f"CERT-{_n():05d}", issued_on=accreditation_.granted_on or date(2024, 1, 1))
    values.update(kw)
    return _save(Certificate(**values))


# -- a person's qualifications ---------------------------------------------------------------

def qualification(person_: Person, code: str = "psychotherapy", obtained_on: date = date(2015, 6, 1), **kw):
    from society.models import PersonQualification

    return _save(PersonQualification(person_id=person_.id, code=code, obtained_on=obtained_on, **kw))


def supervisor_listing(society_: Society, person_: Person, listed_from: date = date(2020, 1, 1), **kw):
    """``person_`` on ``society_``'s list of supervisors from ``listed_from``."""
    from society.models import SupervisorListing

    return _save(SupervisorListing(society_id=society_.id, person_id=person_.id, listed_from=listed_from, **kw))


def group_openness(group_: Group, *history: tuple[date, bool]):
    """``group_``'s openness history: (first day, accepting members) pairs; the group's setting follows the last."""
    from society.models import GroupOpenness

    rows = [_save(GroupOpenness(group=group_, effective_from=day, accepting_members=accepting))
            for day, accepting in history]
    group_.accepting_members = history[-1][1]
    db.session.flush()
    return rows
