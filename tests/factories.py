"""Small factories for domain objects: defaults that make sense, overrides by keyword."""
import itertools
from datetime import date
from decimal import Decimal

from society.extensions import db
from society.models import (
    Accreditation, DuesPayment, Group, GroupAudience, GroupLeader, GroupParticipant, Membership, Person,
    Requirement, RuleSet, RuleSetVersion, Society, TrainingRecord, User,
)
from society.services.accounts import hash_password

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_password_hash = None


def _n() -> int:
    return next(_counter)


def password_hash() -> str:
    # Hashing with production argon2 parameters once per session keeps the suite fast.
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


def certificate(accreditation_, **kw):
    from society.models import Certificate

    values = dict(accreditation=accreditation_, number=f"CERT-{_n():05d}", issued_on=accreditation_.granted_on or date(2024, 1, 1))
    values.update(kw)
    return _save(Certificate(**values))
