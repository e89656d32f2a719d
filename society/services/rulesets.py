"""Rule sets as data: loading the shipped examples (or any society's own) from JSON."""
import json
from datetime import date
from decimal import Decimal
from importlib import resources

from ..extensions import db
from ..models import Requirement, RuleSet, RuleSetVersion, Society

SHIPPED = ("se", "uk", "us", "de", "anz")


def shipped_rule_set(name: str) -> dict:
    return json.loads(resources.files("society.rulesets").joinpath(f"{name}.json").read_text(encoding="utf-8"))


def ensure_society(data: dict) -> Society:
    society = db.session.scalar(db.select(Society).where(Society.code == data["code"]))
    if society is None:
        society = Society(**data)
        db.session.add(society)
        db.session.flush()
    return society


def load_rule_set(data: dict, society: Society) -> RuleSet:
    """Create the rule set and its versions described by ``data`` (idempotent by code and label)."""
    rule_set = db.session.scalar(
        db.select(RuleSet).where(RuleSet.society_id == society.id, RuleSet.code == data["code"])
    )
    if rule_set is None:
        rule_set = RuleSet(society=society, code=data["code"], credential_title=data["credential_title"],
                           description=data.get("description"))
        db.session.add(rule_set)
    existing = {version.label for version in rule_set.versions}
    for version_data in data["versions"]:
        if version_data["label"] not in existing:
            rule_set.versions.append(_version(version_data))
    db.session.flush()
    return rule_set


def _version(data: dict) -> RuleSetVersion:
    pace = {key: Decimal(str(data[key])) for key in ("pace_supervision_per_year", "pace_leading_per_year") if data.get(key)}
    version = RuleSetVersion(
        label=data["label"],
        effective_from=date.fromisoformat(data["effective_from"]),
        effective_to=date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None,
        validity_months=data.get("validity_months"),
        warning_days=data.get("warning_days", "90,60,30"),
        notes=data.get("notes"),
        **pace,
    )
    for requirement in data["requirements"]:
        version.requirements.append(Requirement(
            clause=requirement.get("clause", 1), option=requirement.get("option", "a"),
            applies_if=requirement.get("applies_if"), label=requirement["label"], kind=requirement["kind"],
            also_counts=requirement.get("also_counts"), unit=requirement["unit"],
            minutes_per_unit=requirement.get("minutes_per_unit"), minimum=Decimal(str(requirement["minimum"])),
            window_kind=requirement.get("window", "none"), window_months=requirement.get("window_months"),
            requires_accredited_leader=requirement.get("requires_accredited_leader", False),
            in_person_only=requirement.get("in_person_only", False),
        ))
    return version


def load_shipped() -> dict[str, RuleSet]:
    """Load the five shipped rule sets with their societies; returns them by short name."""
    loaded = {}
    for name in SHIPPED:
        data = shipped_rule_set(name)
        loaded[name] = load_rule_set(data, ensure_society(data["society"]))
    return loaded


def version_in_force(rule_set: RuleSet, day: date) -> RuleSetVersion | None:
    """The version a candidate starting on ``day`` is put on."""
    candidates = [v for v in rule_set.versions if v.in_force_on(day)]
    return max(candidates, key=lambda v: v.effective_from) if candidates else None
