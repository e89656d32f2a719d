"""The directory's published summaries: each group's JSON kept as text, always what the directory's
own rules say on the day asked (services/groups/summaries.py)."""
import json
import os
from datetime import date, datetime, time, timedelta, timezone

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, select

from society.extensions import db
from society.models import AuditEvent, DirectorySummary, GroupAudience
from society.services.groups import directory
from society.services.platform import http_cache

from . import factories
from .queries import counting_queries

TODAY = date.today()
URL = "/api/v1/groups"


def accredit(person, society, *, title="Accredited Balint Group Leader", **kw):
    version = factories.rule_set_version(factories.rule_set(society, credential_title=title))
    values = dict(status="granted", granted_on=date(2020, 1, 1), expires_on=None)
    values.update(kw)
    return factories.accreditation(person, version, **values)


def stored(group_id: int) -> dict:
    """The group's summary as stored now, in this transaction."""
    return json.loads(db.session.scalar(select(DirectorySummary.body).where(DirectorySummary.group_id == group_id)))


def described(group_id: int, day: date = TODAY) -> dict:
    """What the directory's builder says of the group on ``day``, as the API publishes it."""
    rows, leaders = directory.group_rows([group_id], day)
    return json.loads(json.dumps(directory.describe(rows, leaders, published=True)[0]))


@pytest.fixture
def scene(society):
    """A group with a leader (accredited, with a certificate), a trainee co-leader, two audiences and join details."""
    group = factories.group(society, name="Tuesdays", audiences=["gp", "nurse"], open_places=3,
                            meeting_weekday=1, meeting_time=time(18, 0), timezone="Europe/Stockholm")
    lead, trainee = factories.person(given_name="Ada"), factories.person(given_name="Tove")
    assignment = factories.group_leader(group, lead)
    factories.group_leader(group, trainee, role="co_leader", is_trainee=True)
    held = accredit(lead, society, expires_on=date(2099, 12, 31))
    certificate = factories.certificate(held)
    return dict(society=society, group=group, lead=lead, trainee=trainee, assignment=assignment, held=held,
                certificate=certificate, rule_set=held.rule_set_version.rule_set)


def _revoke(s):
    s["certificate"].revoked_at = datetime.now(timezone.utc)


def _suspend(s):
    s["held"].status, s["held"].invalid_from = "suspended", TODAY


def _replace_audience(s):
    s["group"].audiences = [GroupAudience(profession="psychologist")]


def _add_leader(s):
    factories.group_leader(s["group"], factories.person(given_name="Newcomer"), role="co_leader")


def _new_accreditation(s):
    accredit(s["trainee"], s["society"], title="Second credential")


CHANGES = {
    "group renamed": lambda s: setattr(s["group"], "name", "Wednesdays"),
    "join details": lambda s: setattr(s["group"], "open_places", 0),
    "group closed": lambda s: setattr(s["group"], "status", "closed"),
    "audience replaced": _replace_audience,
    "audience removed": lambda s: s["group"].audiences.pop(),
    "leader added": _add_leader,
    "leader removed": lambda s: db.session.delete(s["assignment"]),
    "leader's assignment ended": lambda s: setattr(s["assignment"], "ends_on", TODAY - timedelta(days=1)),
    "leader's role": lambda s: setattr(s["assignment"], "role", "co_leader"),
    "trainee qualified": lambda s: setattr(s["group"].leaders[1], "is_trainee", False),
    "leader renamed": lambda s: setattr(s["lead"], "family_name", "Renamed"),
    "leader's profession": lambda s: setattr(s["lead"], "profession", "psychologist"),
    "accreditation suspended": _suspend,
    "accreditation expired": lambda s: setattr(s["held"], "expires_on", TODAY - timedelta(days=1)),
    "accreditation granted to a co-leader": _new_accreditation,
    "certificate issued": lambda s: factories.certificate(s["held"], number="CERT-NEWEST", issued_on=TODAY),
    "certificate revoked": _revoke,
    "credential renamed": lambda s: setattr(s["rule_set"], "credential_title", "Renamed credential"),
    "society renamed": lambda s: setattr(s["society"], "name", "Renamed society"),
    "society's code": lambda s: setattr(s["society"], "code", "ZZ"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_rewrites_the_summary_in_its_own_transaction(scene, change):
    db.session.commit()
    group_id = scene["group"].id
    before = stored(group_id)
    assert before == described(group_id)
    CHANGES[change](scene)
    # A savepoint's release runs the hook a commit runs, inside this transaction: not committed, the
    # summary changed with the change, in the same transaction, and goes with it on a rollback.
    with db.session.begin_nested():
        pass
    assert stored(group_id) == described(group_id) != before
    db.session.rollback()
    assert stored(group_id) == before


def test_a_change_elsewhere_leaves_summaries_alone(scene):
    db.session.commit()
    with counting_queries() as statements:
        scene["lead"].email = "new@example.org"
        scene["society"].cme_points_per_hour = 2
        db.session.flush()
    assert not [s for s in statements if "DIRECTORY_SUMMARIES" in s.upper()]


def test_an_accreditation_expiring_today_shows_today_and_not_tomorrow_without_any_write(client, society, monkeypatch):
    group = factories.group(society, name="Expiring")
    lead = factories.person()
    factories.group_leader(group, lead)
    accredit(lead, society, expires_on=TODAY)
    db.session.commit()
    trail = db.session.scalar(select(db.func.count(AuditEvent.id)))
    span = db.session.execute(select(DirectorySummary.valid_from, DirectorySummary.valid_until)).one()
    assert span == (date(2024, 1, 1), TODAY)  # from the assignment's start to the accreditation's last day

    def page(day: date) -> dict:
        monkeypatch.setattr(http_cache, "today", lambda: day)
        (item,) = client.get(URL).get_json()["items"]
        return item

    assert page(TODAY)["accredited"] is True
    tomorrow = page(TODAY + timedelta(days=1))
    assert tomorrow["accredited"] is False
    assert tomorrow["leaders"][0]["accreditation"]["status"] == "not_accredited"
    assert tomorrow == described(group.id, TODAY + timedelta(days=1))
    # Nothing was written but the summary itself (no audit row, no source row), which now holds from tomorrow on.
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == trail
    assert db.session.execute(select(DirectorySummary.valid_from, DirectorySummary.valid_until)).one() == (
        TODAY + timedelta(days=1), None)
    # And a day before the accreditation began is judged as that day too.
    assert page(date(2019, 6, 1))["leaders"] == []


def test_a_summary_missing_or_out_of_its_days_is_built_on_read_and_kept(client, society):
    groups = [factories.group(society, name=f"Group {n}") for n in range(3)]
    for group in groups:
        factories.group_leader(group, factories.person())
    db.session.commit()
    db.session.execute(delete(DirectorySummary).where(DirectorySummary.group_id == groups[0].id))
    db.session.execute(DirectorySummary.__table__.update().where(DirectorySummary.group_id == groups[1].id)
                       .values(valid_until=TODAY - timedelta(days=1), body="{}"))
    db.session.commit()
    items = client.get(URL).get_json()["items"]
    assert items == [described(group.id) for group in groups]
    assert db.session.scalar(select(db.func.count()).select_from(DirectorySummary)) == 3
    assert stored(groups[1].id) == described(groups[1].id)


def _varied(society):
    """Groups of every kind: leaders accredited by several societies, trainees, co-leaders who started
    later, ended and future assignments, certificates, join details, closed and forming groups."""
    other = factories.society()
    for n in range(23):
        group = factories.group(
            society, name=f"Group {n % 7} {n:02d}", city=("Uppsala", "Lund", None)[n % 3],
            format=("in_person", "online", "hybrid")[n % 3], audiences=[["gp"], ["nurse", "gp"], []][n % 3],
            status=("active", "active", "forming", "closed")[n % 4], accepting_members=n % 2 == 0,
            open_places=(None, 0, 4)[n % 3], meeting_time=time(17, 30) if n % 2 else None,
            ends_on=date(2030, 6, 30) if n % 5 == 0 else None)
        lead = factories.person(profession=("gp", "psychologist")[n % 2])
        factories.group_leader(group, lead, starts_on=date(2023, 1, 1) + timedelta(days=n))
        if n % 4 != 3:
            held = accredit(lead, society, expires_on=None if n % 2 else TODAY + timedelta(days=n))
            if n % 3 == 0:
                factories.certificate(held)
        if n % 5 == 1:
            accredit(lead, other, title="Other society's credential")
        if n % 3 == 1:
            factories.group_leader(group, factories.person(), role="co_leader", is_trainee=True,
                                   starts_on=date(2024, 6, 1))
        if n % 6 == 2:
            factories.group_leader(group, factories.person(), ends_on=TODAY - timedelta(days=3))
            factories.group_leader(group, factories.person(), starts_on=TODAY + timedelta(days=3))
    db.session.commit()


QUERIES = [
    {"per_page": 100}, {"per_page": 5, "page": 3}, {"per_page": 4, "page": 6}, {"per_page": 100, "status": ["closed", "paused"]},
    {"accredited": "true", "per_page": 3, "page": 2}, {"accredited": "false"}, {"city": "Lund"},
    {"audience": "nurse", "format": "online"}, {"leader_profession": "psychologist", "per_page": 3, "page": 2},
    {"open_places": "true"}, {"q": "Group 3"}, {"per_page": 5, "page": 9},
]


def test_a_page_of_summaries_is_what_the_builder_says(client, society):
    """Each query's page, from summaries built for it (none stored before), equals the builder's.
    One dataset for every query: it is the slow part."""
    _varied(society)
    from society.schemas.directory import GroupQuerySchema

    for query in QUERIES:
        filters = GroupQuerySchema().load({key: value if isinstance(value, list) else str(value)
                                          for key, value in query.items()})
        expected, total = directory.find_groups(filters, TODAY, filters["page"], filters["per_page"], published=True)
        expected = json.loads(json.dumps(expected))
        db.session.execute(delete(DirectorySummary))
        db.session.commit()
        answer = client.get(URL, query_string=query)
        assert answer.status_code == 200, query
        body = answer.get_json()
        assert body["items"] == expected, query
        assert body["pagination"]["total"] == total, query
        if query == {"per_page": 100}:
            assert len(expected) == 18  # all but the closed ones: the dataset has every kind of group


def test_a_page_of_stale_summaries_takes_a_fixed_number_of_queries(client, society):
    for n in range(40):
        factories.group_leader(factories.group(society, name=f"Group {n:02d}"), factories.person())
    db.session.commit()
    db.session.execute(delete(DirectorySummary))
    db.session.commit()

    def queries_for(per_page: int, page: int) -> int:
        with counting_queries(selects_only=True) as statements:
            response = client.get(URL, query_string={"per_page": per_page, "page": page})
        assert len(response.get_json()["items"]) == per_page
        return len(statements)

    queries_for(1, 1)  # the list's ids, read once per filter and data version
    # Missing (or out of their days), a page's summaries are built together: the same queries for 2 as
    # for 20: the version, the summaries, the groups, their leaders and the dates their spans end on.
    assert queries_for(2, 2) == queries_for(20, 2) == 5


def test_rebuild_command_and_the_demo_seed_write_every_summary(runner, society):
    from society.services.platform import demo

    demo.seed(12, today=TODAY)
    db.session.commit()
    groups = db.session.scalar(select(db.func.count()).select_from(directory.Group))
    assert db.session.scalar(select(db.func.count()).select_from(DirectorySummary)) == groups
    db.session.execute(delete(DirectorySummary))
    db.session.commit()
    result = runner.invoke(args=["directory", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"{groups} group summaries written" in result.output
    some = db.session.scalar(select(DirectorySummary.group_id).limit(1))
    assert stored(some) == described(some)


def test_erasing_a_leader_rewrites_the_groups_they_led(society):
    from society.services.privacy import erasure

    group = factories.group(society)
    lead = factories.person(given_name="Forgotten")
    factories.group_leader(group, lead, ends_on=TODAY + timedelta(days=30))
    db.session.commit()
    assert "Forgotten" in json.dumps(stored(group.id))
    erasure.erase(lead, TODAY)
    db.session.commit()
    assert "Forgotten" not in json.dumps(stored(group.id))
    assert stored(group.id) == described(group.id)


def test_groups_older_than_the_summaries_are_published_as_before_from_their_first_read(client, society):
    factories.group_leader(factories.group(society, name="Before"), factories.person())
    db.session.commit()
    group_id = db.session.scalar(select(directory.Group.id))
    expected = stored(group_id)
    db.session.close()
    migrations = os.path.join(os.path.dirname(__file__), "..", "migrations")
    downgrade(directory=migrations, revision="0021_rule_facts")
    upgrade(directory=migrations)
    assert db.session.scalar(select(func.count()).select_from(DirectorySummary)) == 0
    page = client.get("/api/v1/groups")
    assert page.status_code == 200
    assert [group["name"] for group in page.json["items"]] == ["Before"]
    assert stored(group_id) == expected  # built by the read, as the writers build it


def test_a_read_keeps_a_summary_a_writer_stored_meanwhile_and_replaces_a_stale_one(society):
    from society.services.groups import summaries

    group = factories.group(society)
    factories.group_leader(group, factories.person())
    db.session.commit()
    before = stored(group.id)
    # A read built '{}' from older data while a writer stored the group's summary for today: the writer's stays.
    summaries._keep([{"group_id": group.id, "body": "{}", "valid_from": None, "valid_until": None}], TODAY)
    assert stored(group.id) == before
    db.session.execute(DirectorySummary.__table__.update().values(valid_until=TODAY - timedelta(days=1)))
    summaries._keep([{"group_id": group.id, "body": '{"rebuilt": true}', "valid_from": None, "valid_until": None}],
                    TODAY)
    assert stored(group.id) == {"rebuilt": True}


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="SQLite has one writer at a time already")
def test_two_writers_at_once_leave_the_summary_with_both_changes(app, society):
    """One transaction adds a leader while another renames that person: the second to write waits for the
    first to commit, then builds from what it committed (READ COMMITTED would otherwise lose one)."""
    import threading

    from society.models import GroupLeader, Person

    group = factories.group(society)
    person = factories.person(given_name="Ann", family_name="Old")
    db.session.commit()
    group_id, person_id = group.id, person.id
    added, errors = threading.Event(), []

    def add_leader():
        with app.app_context():
            try:
                db.session.add(GroupLeader(group_id=group_id, person_id=person_id, role="leader",
                                           starts_on=date(2024, 1, 1)))
                db.session.flush()  # the summary is rewritten, the transaction left open
                added.set()
                threading.Event().wait(0.5)  # the rename runs meanwhile and must wait
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(repr(error))
                added.set()

    thread = threading.Thread(target=add_leader)
    thread.start()
    assert added.wait(10)
    renamed = db.session.get(Person, person_id)
    renamed.family_name = "New"
    db.session.commit()  # its flush waits for the leader's transaction, then sees the new leader
    thread.join(10)
    assert errors == []
    assert [leader["name"] for leader in stored(group_id)["leaders"]] == ["Ann New"]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="SQLite has one writer at a time already")
def test_two_writers_waiting_on_each_others_rows_both_commit(app, society):
    """Two transactions each rename a group and write one same other row (a person's city), in opposite
    orders: the one that comes second to that row waits for the other to commit, then both commit with
    both summaries right. (Had the summaries' writer lock been taken at each flush, the first would hold
    it while waiting for the row, and the second would wait for it while holding the row: a deadlock,
    which PostgreSQL ends by aborting one of them.)"""
    import threading

    from sqlalchemy import update

    from society.models import Group, Person

    first, second = factories.group(society, name="A"), factories.group(society, name="B")
    person = factories.person()
    db.session.commit()
    a_id, b_id, person_id = first.id, second.id, person.id
    row_taken, a_renamed, b_renamed, errors = threading.Event(), threading.Event(), threading.Event(), []

    def move(city: str):
        db.session.execute(update(Person).where(Person.id == person_id).values(city=city))

    def second_writer():
        with app.app_context():
            try:
                move("Lund")  # the person's row is this transaction's until it ends
                row_taken.set()
                assert a_renamed.wait(10)
                db.session.get(Group, b_id).name = "B renamed"
                db.session.flush()
                b_renamed.set()
                threading.Event().wait(0.5)  # the first writer now waits for the person's row
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                errors.append(repr(error))
            finally:
                row_taken.set()
                b_renamed.set()
                db.session.remove()

    thread = threading.Thread(target=second_writer)
    thread.start()
    try:
        assert row_taken.wait(10)
        db.session.get(Group, a_id).name = "A renamed"
        db.session.flush()
        a_renamed.set()
        b_renamed.wait(5)
        move("Umeå")  # waits for the second writer's commit
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - reported below, beside the other transaction's
        db.session.rollback()
        errors.append(repr(error))
    finally:
        a_renamed.set()
        thread.join(30)
    assert errors == []
    assert stored(a_id)["name"] == "A renamed" and stored(b_id)["name"] == "B renamed"
    assert db.session.get(Person, person_id).city == "Umeå"


def test_retention_removing_an_erased_leaders_accreditation_rewrites_the_groups_they_led(society):
    """Retention's bulk deletes bypass the flush hook: the groups are named to the commit hook instead."""
    from society.services.privacy import erasure, retention

    group = factories.group(society)
    lead = factories.person()
    factories.group_leader(group, lead, ends_on=TODAY + timedelta(days=30))
    factories.granted_accreditation(lead, society)
    db.session.commit()
    erasure.erase(lead, TODAY)
    db.session.commit()
    before = stored(group.id)
    retention.apply(date(2040, 1, 1))
    db.session.commit()
    assert stored(group.id) == described(group.id) != before


def test_imported_groups_have_their_summaries_when_the_import_commits(admin_client):
    """Group imports insert in bulk, which the flush hook does not see: they name the groups to the commit hook."""
    import io

    rows = "name,city,country,format,language,audience,rhythm,session_minutes,starts_on,accepting_members,status\n" + "".join(
        f"Imported {n},Lund,se,in_person,sv,gp,monthly,90,2024-01-01,yes,active\n" for n in range(3))
    uploaded = admin_client.post("/admin/imports/", data={"kind": "groups", "file": (io.BytesIO(rows.encode()), "g.csv")},
                                 content_type="multipart/form-data")
    assert uploaded.status_code == 302
    assert admin_client.post(f"{uploaded.headers['Location']}/commit").status_code == 302
    ids = db.session.scalars(select(directory.Group.id).where(directory.Group.name.like("Imported %"))).all()
    assert len(ids) == 3
    assert all(stored(group_id) == described(group_id) for group_id in ids)
