"""A fresh demo looks alive and holds together: what a new user sees on first start."""
from datetime import date

from sqlalchemy import func, select

from society.extensions import db
from society.models import (
    Attendance, DuesPayment, Flag, GroupLeader, GroupParticipant, GroupSession, Group, JobRun, Membership, User,
)
from society.models import Accreditation

from . import demo_data

TODAY = date(2026, 11, 23)


def test_members_come_in_every_category():
    demo_data.seed(40, today=TODAY)
    categories = set(db.session.scalars(select(Membership.category).distinct()))
    assert categories == {"full", "associate", "trainee", "student", "retired", "honorary"}


def test_no_dues_fall_due_or_are_paid_before_the_member_joined():
    demo_data.seed(40, today=TODAY)
    rows = db.session.execute(select(Membership.joined_on, DuesPayment.period, DuesPayment.due_on, DuesPayment.paid_on)
                              .join(DuesPayment, DuesPayment.membership_id == Membership.id)).all()
    assert rows
    assert all(period >= joined.year and due >= joined for joined, period, due, _paid in rows)
    assert all(paid is None or paid >= joined for joined, _period, _due, paid in rows)


def test_hybrid_groups_meet_both_in_the_room_and_online_and_online_groups_online():
    demo_data.seed(40, today=TODAY)
    formats = {}
    for group_format, session_format in db.session.execute(
            select(Group.format, GroupSession.format).join(GroupSession, GroupSession.group_id == Group.id)):
        formats.setdefault(group_format, set()).add(session_format)
    assert formats["hybrid"] == {"in_person", "online"}
    assert formats["online"] == {"online"} and formats["in_person"] == {"in_person"}


def test_nobody_leads_before_their_training_started():
    demo_data.seed(40, today=TODAY)
    early = db.session.scalar(
        select(func.count()).select_from(GroupLeader)
        .join(Accreditation, Accreditation.person_id == GroupLeader.person_id)
        .where(GroupLeader.starts_on < Accreditation.training_started_on))
    assert early == 0


def test_every_session_has_attendees():
    demo_data.seed(40, today=TODAY)
    empty = db.session.scalar(select(func.count()).select_from(GroupSession).where(
        ~select(Attendance.session_id).where(Attendance.session_id == GroupSession.id).exists()))
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) > 0 and empty == 0


def test_the_participant_login_attends_two_groups_and_leads_none(app):
    summary = demo_data.seed(40, today=TODAY)
    db.session.commit()
    assert summary.logins["member"] == ("member@sbs.example", "balint-member-demo")
    user = db.session.scalar(select(User).where(User.email == "member@sbs.example"))
    assert user.role == "member" and user.person_id is not None
    groups = set(db.session.scalars(select(GroupSession.group_id).join(Attendance, Attendance.session_id == GroupSession.id)
                                    .where(Attendance.person_id == user.person_id)))
    assert len(groups) == 2
    assert set(db.session.scalars(select(GroupParticipant.group_id).where(GroupParticipant.person_id == user.person_id))) == groups
    assert not db.session.scalar(select(func.count()).select_from(GroupLeader).where(GroupLeader.person_id == user.person_id))
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "member@sbs.example", "password": "balint-member-demo"},
                           follow_redirects=True)
    assert response.status_code == 200


def test_seed_demo_ends_with_a_lapse_scan_so_the_inbox_is_not_empty(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Lapse scan:" in result.output
    for email in ("admin@sbs.example", "leader@sbs.example", "trainee@sbs.example", "member@sbs.example",
                  "admin@ukbs.example"):
        assert email in result.output
    assert db.session.scalar(select(func.count()).select_from(Flag).where(Flag.resolved_on.is_(None))) > 0
    run = db.session.scalar(select(JobRun).where(JobRun.job == "lapse-scan"))
    assert run is not None and run.outcome == "succeeded"
