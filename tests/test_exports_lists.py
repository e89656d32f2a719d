"""Every filtered administrator list exports what it shows as CSV: all pages, the same filters and
order, only the administrator's society, formulas defused, on the audit trail, and a fixed number
of queries however many rows."""
import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from markupsafe import escape
from sqlalchemy import select

from society.extensions import db
from society.models import Attendance, AuditEvent, GroupSession
from society.services.platform import audit

from . import factories
from .queries import counting_queries

FORMULA = '=HYPERLINK("http://evil.example","x")'
DEFUSED = "'" + FORMULA


def download(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def last_export() -> AuditEvent:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc()))


# -- what each list holds: builders of n rows of a society, and the export's address -------------

def audit_events(society, n, ctx):
    for i in range(n):
        audit.record("import", entity_type="Membership", society_id=society.id, details={"n": i},
                     actor=audit.Actor(None, f"clerk{i}@example.org"))
    return "/admin/audit/export.csv"


def flags(society, n, ctx):
    for _ in range(n):
        group = factories.group(society)
        factories.flag(society, subject_id=group.id)
    return "/admin/flags/export.csv"


def certificates(society, n, ctx):
    for _ in range(n):
        accreditation = factories.granted_accreditation(factories.member_person(society), society)
        factories.certificate(accreditation)
    return "/admin/certificates/export.csv"


def accreditations(society, n, ctx):
    if "version" not in ctx:
        ctx["version"] = factories.rule_set_version(factories.rule_set(society))
    for _ in range(n):
        factories.accreditation(factories.member_person(society), ctx["version"], status="applied",
                                applied_at=datetime(2026, 1, 5, tzinfo=timezone.utc))
    return "/admin/accreditations/export.csv"


def _record(person, society, ctx, **kw):
    """An approved record with a group, a decider and a supervisor of its own (who countersigned it)."""
    if "group" not in ctx:
        ctx["group"] = factories.group(society)
        ctx["decider"] = factories.user(role="admin", society=society)
    ctx["supervisor"] = factories.member_person(society)
    approved = dict(status="approved", decided_by_id=ctx["decider"].id,
                    decided_at=datetime(2026, 1, 6, tzinfo=timezone.utc))
    return factories.training_record(person, **{"group_id": ctx["group"].id, "supervisor_id": ctx["supervisor"].id,
                                                "countersigned_by_id": ctx["supervisor"].id, **approved, **kw})


def training_records(society, n, ctx):
    for _ in range(n):
        _record(factories.member_person(society), society, ctx)
    return "/admin/records/export.csv?status=all"


def a_leaders_ledger(society, n, ctx):
    if "person" not in ctx:
        ctx["person"] = factories.member_person(society)
    for _ in range(n):
        _record(ctx["person"], society, ctx)
    return f"/admin/records/people/{ctx['person'].id}/export.csv"


def sessions(society, n, ctx):
    if "group" not in ctx:
        ctx["group"] = factories.group(society)
        ctx["attendee"] = factories.member_person(society)
        ctx["sessions"] = 0
    for _ in range(n):
        ctx["sessions"] += 1
        session = GroupSession(group_id=ctx["group"].id, held_on=date(2025, 1, 1) + timedelta(days=ctx["sessions"]),
                               minutes=90, format="in_person")
        db.session.add(session)
        db.session.flush()
        db.session.add(Attendance(session_id=session.id, person_id=ctx["attendee"].id))
    db.session.flush()
    return f"/groups/{ctx['group'].id}/sessions/export.csv"


LISTS = [audit_events, flags, certificates, accreditations, training_records, a_leaders_ledger, sessions]


# -- what every export does ---------------------------------------------------------------------

@pytest.mark.parametrize("rows_of", LISTS, ids=lambda f: f.__name__)
def test_an_export_reads_as_many_statements_for_30_rows_as_for_3(admin_client, society, rows_of):
    ctx = {}
    url = rows_of(society, 3, ctx)
    db.session.commit()
    with counting_queries() as few:
        short = download(admin_client, url)
    rows_of(society, 27, ctx)
    db.session.commit()
    with counting_queries() as many:
        long = download(admin_client, url)
    assert len(long) - len(short) >= 27
    # The export's own statements: transaction boundaries and loading the logged-in user (one
    # more or less, as the test's own session happens to hold it) say nothing about rows.
    def exports_own(statements):
        return [s for s in statements if s != "BEGIN" and "\nFROM users \n" not in s]

    assert len(exports_own(many)) == len(exports_own(few)), many


@pytest.mark.parametrize("url, entity_type", [
    ("/admin/groups/export.csv?q=", "Group"), ("/admin/members/export.csv", "Membership"),
    ("/admin/audit/export.csv", "AuditEvent"), ("/admin/flags/export.csv", "Flag"),
    ("/admin/certificates/export.csv", "Certificate"), ("/admin/accreditations/export.csv", "Accreditation"),
    ("/admin/records/export.csv", "TrainingRecord"),
])
def test_every_export_is_named_alike_and_recorded_with_the_filters_given(admin_client, society, url, entity_type):
    response = admin_client.get(url)
    assert response.status_code == 200
    day = date.today().isoformat()
    assert response.headers["Content-Disposition"].endswith(f'-{society.code}-{day}.csv"')
    db.session.rollback()  # read what the request committed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert (event.entity_type, event.society_id) == (entity_type, society.id)
    filters = json.loads(event.changes)["filters"]
    assert all(value not in (None, "", []) for value in filters.values())  # only the filters given


@pytest.mark.parametrize("rows_of", LISTS, ids=lambda f: f.__name__)
def test_a_leader_cannot_export(leader_client, society, rows_of):
    url = rows_of(society, 1, {})
    assert leader_client.get(url).status_code == 403
    assert last_export() is None


@pytest.mark.parametrize("rows_of", [flags, certificates, accreditations, training_records],
                         ids=lambda f: f.__name__)
def test_another_societys_rows_never_appear(admin_client, society, rows_of):
    url = rows_of(society, 2, {})
    rows_of(factories.society(), 3, {})
    assert len(download(admin_client, url)) == 2


@pytest.mark.parametrize("rows_of", [a_leaders_ledger, sessions], ids=lambda f: f.__name__)
def test_another_societys_person_or_group_is_not_found(admin_client, rows_of):
    url = rows_of(factories.society(), 2, {})
    assert admin_client.get(url).status_code == 404
    assert last_export() is None


@pytest.mark.parametrize("page, link", [
    ("/admin/audit/?action=import", "/admin/audit/export.csv?action=import"),
    ("/admin/flags/?kind=dues_lapsed", "/admin/flags/export.csv?kind=dues_lapsed&amp;state=open"),
    ("/admin/certificates?q=berg", "/admin/certificates/export.csv?q=berg"),
    ("/admin/accreditations/?status=granted&q=berg", "/admin/accreditations/export.csv?status=granted&amp;q=berg"),
    ("/admin/records/?status=approved", "/admin/records/export.csv?status=approved"),
])
def test_each_list_offers_an_export_of_its_current_filters(admin_client, page, link):
    html = admin_client.get(page).get_data(as_text=True)
    assert f'<a class="btn btn-outline-secondary btn-sm" href="{link}">Export CSV</a>' in html


# -- the audit trail ----------------------------------------------------------------------------

def test_audit_export_follows_the_filters_and_defuses_formulas(admin_client, society, admin):
    audit.record("login", entity_type="User", society_id=society.id, actor=audit.Actor(None, FORMULA))
    audit.record("import", entity_type="Membership", society_id=society.id, details={"rows": 4},
                 actor=audit.Actor(None, "clerk@example.org"))
    audit.record("import", entity_type="Membership", society_id=factories.society().id,
                 actor=audit.Actor(None, "elsewhere@example.org"))
    rows = download(admin_client, "/admin/audit/export.csv?action=import")
    assert [(r["actor"], r["action"], r["changes"]) for r in rows] == [("clerk@example.org", "import", "rows: 4")]
    assert json.loads(last_export().changes) == {"filters": {"action": "import"}}
    assert last_export().entity_type == "AuditEvent" and last_export().society_id == society.id
    logins = download(admin_client, "/admin/audit/export.csv?action=login&actor=HYPERLINK")
    assert [r["actor"] for r in logins] == [DEFUSED]
    assert datetime.fromisoformat(logins[0]["occurred_at"]).date() == datetime.now(timezone.utc).date()


def test_audit_export_holds_every_page_in_the_pages_order(app, admin_client, society):
    audit_events(society, 5, {})
    app.config["PAGE_SIZE"] = 2
    try:
        pages = [admin_client.get(f"/admin/audit/?actor=clerk&page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    finally:
        app.config["PAGE_SIZE"] = 50
    actors = [r["actor"] for r in download(admin_client, "/admin/audit/export.csv?actor=clerk")]
    assert actors == [f"clerk{i}@example.org" for i in (4, 3, 2, 1, 0)]
    assert [sum(actor in page for page in pages) for actor in actors] == [1] * 5


# -- the flags inbox ----------------------------------------------------------------------------

def test_flags_export_follows_the_filters_and_defuses_formulas(admin_client, society):
    group = factories.group(society, name="Balintgrupp Lund")
    factories.flag(society, subject_id=group.id, cause="retired-cause", message=FORMULA, raised_on=date(2026, 1, 2))
    factories.flag(society, kind="dues_lapsed", subject_type="membership", subject_id=9, cause="dues:2025")
    factories.flag(society, subject_id=group.id, cause="too_many_leaders", resolved_on=date(2026, 2, 1),
                   resolved_at=datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc))
    (row,) = download(admin_client, "/admin/flags/export.csv?kind=group_norms")
    assert (row["subject"], row["message"], row["state"], row["raised_on"]) == (
        "Balintgrupp Lund", DEFUSED, "open", "2026-01-02")
    assert json.loads(last_export().changes) == {"filters": {"kind": "group_norms", "state": "open"}}
    resolved = download(admin_client, "/admin/flags/export.csv?state=resolved")
    assert [(r["state"], r["resolved_on"]) for r in resolved] == [("resolved", "2026-02-01")]
    assert len(download(admin_client, "/admin/flags/export.csv?state=all")) == 3


def test_flags_export_words_each_flag_as_the_inbox_does_in_the_readers_language(admin_client, society):
    group = factories.group(society, name="Balintgrupp Lund")
    trainee = factories.person(given_name=FORMULA, family_name="Berg")
    factories.flag(society, kind="group_unaccredited", subject_id=group.id, cause="no-accredited-leader")
    factories.flag(society, kind="trainee_unsupervised", subject_id=group.id, cause=f"trainee:{trainee.id}",
                   severity="critical", details=json.dumps({"person_id": trainee.id}), message="stored wording")
    factories.flag(society, subject_id=group.id, cause="too_few_participants", details=json.dumps({"actual": 2, "norm": 4}))
    inbox = admin_client.get("/admin/flags/").get_data(as_text=True)
    english = {row["kind"]: row["message"] for row in download(admin_client, "/admin/flags/export.csv")}
    assert english["group_unaccredited"] == "No leader of the group holds a valid accreditation."
    assert english["trainee_unsupervised"].startswith("'=HYPERLINK") and "leads with no accredited co-leader" in english["trainee_unsupervised"]
    assert escape(english["group_norms"]) in inbox  # the page's own sentence, with the flag's figures
    admin_client.post("/language", data={"lang": "sv", "next": "/"})
    swedish = {row["kind"]: row["message"] for row in download(admin_client, "/admin/flags/export.csv")}
    assert swedish["group_unaccredited"] == "Ingen av gruppens ledare har en giltig ackreditering."
    assert swedish["group_norms"] != english["group_norms"] and escape(swedish["group_norms"]) in admin_client.get(
        "/admin/flags/").get_data(as_text=True)


# -- certificates -------------------------------------------------------------------------------

def test_certificates_export_follows_the_search_or_the_day_and_defuses_formulas(admin_client, society):
    karin = factories.granted_accreditation(factories.member_person(society, given_name="Karin", family_name="Berg"),
                                            society, credential_title=FORMULA)
    factories.certificate(karin, number="SBS-2026-AAAAAA", issued_on=date(2026, 1, 10))
    other = factories.granted_accreditation(factories.member_person(society, given_name="Olle", family_name="Ek"),
                                            society)
    factories.certificate(other, number="SBS-2026-BBBBBB", issued_on=date(2026, 1, 11))
    (row,) = download(admin_client, "/admin/certificates/export.csv?q=karin")
    assert (row["number"], row["holder"], row["credential"], row["issued_on"], row["status"]) == (
        "SBS-2026-AAAAAA", "Karin Berg", DEFUSED, "2026-01-10", "valid")
    assert json.loads(last_export().changes) == {"filters": {"q": "karin"}}
    assert [r["number"] for r in download(admin_client, "/admin/certificates/export.csv?on=2026-01-11")] == [
        "SBS-2026-BBBBBB"]
    assert json.loads(last_export().changes) == {"filters": {"on": "2026-01-11"}}
    assert [r["number"] for r in download(admin_client, "/admin/certificates/export.csv")] == [
        "SBS-2026-BBBBBB", "SBS-2026-AAAAAA"]
    assert admin_client.get("/admin/certificates/export.csv?on=soon").status_code == 422


def test_the_batch_page_exports_its_day(admin_client, society):
    accreditation = factories.granted_accreditation(factories.member_person(society), society)
    factories.certificate(accreditation, issued_on=date(2026, 1, 10))
    html = admin_client.get("/admin/certificates/issued?on=2026-01-10").get_data(as_text=True)
    assert "/admin/certificates/export.csv?on=2026-01-10" in html


# -- accreditations -----------------------------------------------------------------------------

def test_accreditations_export_follows_the_tab_and_search_and_defuses_formulas(admin_client, society):
    version = factories.rule_set_version(factories.rule_set(society, credential_title="Leader"), label="2024")
    factories.accreditation(factories.member_person(society, given_name=FORMULA, family_name="Ek"), version,
                            status="applied", applied_at=datetime(2026, 1, 5, tzinfo=timezone.utc))
    factories.accreditation(factories.member_person(society, given_name="Anna", family_name="Ash"), version,
                            status="applied", applied_at=datetime(2026, 1, 4, tzinfo=timezone.utc))
    factories.accreditation(factories.member_person(society, given_name="Bo", family_name="Berg"), version,
                            status="in_training")
    rows = download(admin_client, "/admin/accreditations/export.csv")
    assert [r["candidate"] for r in rows] == ["Anna Ash", f"'{FORMULA} Ek"]  # oldest application first, as listed
    assert (rows[0]["status"], rows[0]["credential"], rows[0]["rule_set_version"]) == ("applied", "Leader", "2024")
    assert rows[0]["applied_at"].startswith("2026-01-04")
    assert json.loads(last_export().changes) == {"filters": {"status": "applied"}}
    everyone = download(admin_client, "/admin/accreditations/export.csv?status=all&q=berg")
    assert [(r["candidate"], r["status"]) for r in everyone] == [("Bo Berg", "in_training")]
    assert json.loads(last_export().changes) == {"filters": {"status": "all", "q": "berg"}}


# -- the training records -----------------------------------------------------------------------

def test_records_export_follows_the_filters_and_defuses_formulas(admin_client, society):
    ctx = {}
    maja = factories.member_person(society, given_name="Maja", family_name="Mo")
    _record(maja, society, ctx, status="pending", decided_by_id=None, decided_at=None, title=FORMULA, kind="supervision")
    approved_one = _record(maja, society, ctx, title="approved one")
    _record(factories.member_person(factories.society()), society, ctx, status="pending", title="elsewhere")
    (row,) = download(admin_client, "/admin/records/export.csv")  # pending, as the page shows by default
    assert (row["leader"], row["title"], row["kind"], row["status"], row["group"]) == (
        "Maja Mo", DEFUSED, "supervision", "pending", ctx["group"].name)
    assert row["occurred_on"] == "2024-03-01" and row["units"] == "1.00"
    assert json.loads(last_export().changes) == {"filters": {"status": "pending"}}
    (approved,) = download(admin_client, "/admin/records/export.csv?status=approved&q=maja")
    assert approved["title"] == "approved one" and approved["decided_by"] == ctx["decider"].email
    assert approved["supervisor"] == approved["countersigned_by"] == approved_one.supervisor.full_name
    assert json.loads(last_export().changes) == {"filters": {"status": "approved", "q": "maja"}}


def test_records_export_gives_an_events_days_and_the_group_an_imported_ledger_named(admin_client, society):
    ctx = {}
    maja = factories.member_person(society, given_name="Maja", family_name="Mo")
    _record(maja, society, ctx, kind="intensive", unit="event", units=1, days=4, title="first intensive")
    _record(maja, society, ctx, group_id=None, outside_group="Balintgruppe Kiel", title="imported")
    rows = {row["title"]: row for row in download(admin_client, "/admin/records/export.csv?status=approved")}
    assert (rows["first intensive"]["days"], rows["first intensive"]["group"]) == ("4", ctx["group"].name)
    assert (rows["imported"]["days"], rows["imported"]["group"]) == ("", "Balintgruppe Kiel")


def test_a_leaders_ledger_exports_every_record_of_theirs_newest_first(admin_client, society):
    ctx = {}
    url = a_leaders_ledger(society, 0, ctx)
    _record(ctx["person"], society, ctx, occurred_on=date(2024, 1, 1), title="older")
    _record(ctx["person"], society, ctx, occurred_on=date(2025, 1, 1), status="rejected", rejection_reason="No evidence.", title=FORMULA)
    _record(factories.member_person(society), society, ctx, title="someone else")
    rows = download(admin_client, url)
    assert [(r["title"], r["status"]) for r in rows] == [(DEFUSED, "rejected"), ("older", "approved")]
    assert json.loads(last_export().changes) == {"filters": {"person_id": ctx["person"].id}}
    html = admin_client.get(f"/admin/records/people/{ctx['person'].id}").get_data(as_text=True)
    assert url in html


# -- a group's sessions ---------------------------------------------------------------------------

def test_sessions_export_holds_the_groups_sessions_newest_first(admin_client, society):
    ctx = {"group": factories.group(society, name=FORMULA), "attendee": factories.member_person(society), "sessions": 0}
    url = sessions(society, 2, ctx)
    sessions(society, 1, {})  # another group of the society
    rows = download(admin_client, url)
    assert [(r["group"], r["held_on"], r["attended"], r["format"]) for r in rows] == [
        (DEFUSED, "2025-01-03", "1", "in_person"), (DEFUSED, "2025-01-02", "1", "in_person")]
    assert json.loads(last_export().changes) == {"filters": {"group_id": ctx["group"].id}}
    html = admin_client.get(f"/groups/{ctx['group'].id}/sessions").get_data(as_text=True)
    assert url in html and "Export CSV" in html


def test_a_leader_of_the_group_sees_no_export_button(leader_client, leader, society):
    group = factories.group(society)
    factories.group_leader(group, leader.person, starts_on=date(2020, 1, 1))
    html = leader_client.get(f"/groups/{group.id}/sessions").get_data(as_text=True)
    assert "Export CSV" not in html
