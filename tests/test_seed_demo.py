"""The demo data a new user sees, and the same generator at benchmark scale."""
from datetime import date

from sqlalchemy import func, select

from society.extensions import db
from society.models import (
    Accreditation, DuesPayment, Group, GroupLeader, Person, RuleSet, RuleSetVersion, Society, User,
)
from society.services.accreditation import rulesets
from society.services.platform import demo

TODAY = date(2026, 11, 23)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_has_a_swedish_society_with_40_groups_half_for_gps():
    demo.seed(40, today=TODAY)
    db.session.commit()
    sbs = db.session.scalar(select(Society).where(Society.code == "SBS"))
    assert count(Group, Group.society_id == sbs.id) == 40
    groups = db.session.scalars(select(Group)).all()
    assert sum(1 for g in groups if g.audience_list == ["gp"]) == 20  # half of them are GP groups
    # Each group's openness history starts on its first day with the setting it has.
    assert [(g.openness[0].effective_from, g.openness[0].accepting_members) for g in groups] == [
        (g.starts_on, g.accepting_members) for g in groups]


def test_demo_has_the_physiotherapists_group_from_the_study():
    demo.seed(40, today=TODAY)
    group = db.session.scalar(select(Group).where(Group.name == "Fysioterapeuter i privat praktik"))
    assert group.rhythm == "monthly"
    assert group.audience_list == ["physiotherapist"]
    assert (group.ends_on.year - group.starts_on.year) * 12 + group.ends_on.month - group.starts_on.month == 18
    (leader,) = group.leaders
    assert leader.person.profession == "physiotherapist" and leader.person.psychodynamically_trained


def test_demo_has_leaders_at_every_stage():
    demo.seed(40, today=TODAY)
    accreditations = list(db.session.scalars(select(Accreditation)))
    statuses = {a.status for a in accreditations}
    assert {"in_training", "applied", "granted", "suspended"} <= statuses
    granted = [a for a in accreditations if a.status == "granted"]
    assert any(a.expires_on > TODAY and (a.expires_on - TODAY).days <= 60 for a in granted), "one expiring within 60 days"
    assert any(a.expires_on < TODAY for a in granted), "one lapsed"
    assert any((a.expires_on - TODAY).days > 90 for a in granted), "one comfortably accredited"


def test_demo_loads_the_shipped_rule_sets_with_the_uk_versions():
    demo.seed(40, today=TODAY)
    audiences = {rs.code: rs.audience for rs in db.session.scalars(select(RuleSet))}
    # Every shipped rule set is loaded (a society may ship several: leader and Leader Trainer).
    assert {"se-ledare": "leader", "uk-leader": "leader", "us-cbgl": "leader", "de-leiter": "leader",
            "anz-leader": "leader", "de-grundversorgung": "participant"}.items() <= audiences.items()
    shipped_codes = {data["code"] for name in rulesets.SHIPPED for data in rulesets.shipped_rule_sets(name)}
    assert set(audiences) == shipped_codes
    uk_labels = db.session.scalars(select(RuleSetVersion.label).join(RuleSet).where(RuleSet.code == "uk-leader")).all()
    assert sorted(uk_labels) == ["2016", "2023"]


def test_demo_has_dues_paid_and_unpaid():
    demo.seed(40, today=TODAY)
    assert count(DuesPayment, DuesPayment.paid_on.is_(None), DuesPayment.period == TODAY.year) > 0
    assert count(DuesPayment, DuesPayment.paid_on.is_not(None)) > count(DuesPayment, DuesPayment.paid_on.is_(None))


def test_demo_logins_work(app):
    summary = demo.seed(40, today=TODAY)
    db.session.commit()
    assert set(summary.logins) == {"admin", "leader", "trainee", "member", "uk-admin"}
    for email, password in summary.logins.values():
        client = app.test_client()
        assert client.post("/auth/login", data={"email": email, "password": password}).status_code == 302
    leader = db.session.scalar(select(User).where(User.email == summary.logins["leader"][0]))
    assert leader.person is not None and count(GroupLeader, GroupLeader.person_id == leader.person_id) >= 1


def test_scale_generates_proportional_data():
    small = demo.seed(10, today=TODAY)
    db.session.commit()
    people_per_group = small.people / small.groups
    larger = demo.seed(200, today=TODAY)
    assert larger.groups == 200
    assert abs(larger.people / larger.groups - people_per_group) < 3
    assert count(Group) == 210
    assert count(Person) == small.people + larger.people


def test_seed_demo_command_prints_logins_and_skips_a_full_database(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@sbs.example" in result.output and "balint-leader-demo" in result.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "holds data already" in again.output
    assert count(Group) == 40


def test_create_admin_command_asks_for_a_password(runner):
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["create-admin", "boss@example.org"], input="a fine long passphrase\na fine long passphrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.role == "admin" and user.society.code == "SBS"
    weak = runner.invoke(args=["create-admin", "weak@example.org"], input="password1\npassword1\n")
    assert weak.exit_code != 0 and "common" in weak.output
