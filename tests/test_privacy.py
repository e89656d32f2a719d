"""Personal data on request (issue 14): export, erasure that leaves no trace, what is kept."""
import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from society.extensions import db
from society.models import (
    AccreditationDecision, Attendance, AuditEvent, Certificate, Flag, GroupSession, ImportBatch, Person, PersonQualification,
    RetainedRecord,
    TrainingRecord, User,
)
from society.services.privacy import erasure, export

from . import factories

TODAY = date(2026, 12, 5)
EMAIL, LOGIN_EMAIL, NAME, PHONE = "petra.privat@example.org", "petra.login@example.org", "Petra Privat", "+46 70 123 45 67"
TRACES = (EMAIL, LOGIN_EMAIL, NAME, PHONE, "Privat Petra")


class Registry:
    """A person with something in every corner of the registry."""

    def __init__(self, society):
        self.society = society
        self.person = factories.person(given_name="Petra", family_name="Privat", email=EMAIL, phone=PHONE,
                                       city="Lund")
        membership = factories.membership(self.person, society, joined_on=date(2021, 1, 1))
        factories.dues(membership, 2025, paid_on=date(2025, 2, 1))
        self.user = factories.user(role="leader", person=self.person, email=LOGIN_EMAIL)
        other = factories.member_person(society, given_name="Olle", family_name="Other")
        self.group = factories.group(society)
        factories.group_leader(self.group, self.person)
        factories.participant(self.group, other)
        session = GroupSession(group=self.group, held_on=date(2025, 3, 1), minutes=90)
        session.attendance = [Attendance(person=self.person, role="leader"), Attendance(person=other)]
        db.session.add(session)
        self.accreditation = factories.granted_accreditation(self.person, society, decision_reason=f"{NAME} met all")
        db.session.add(AccreditationDecision(accreditation=self.accreditation, action="grant", to_status="granted",
                                             reason=f"Granted to {NAME}"))
        self.certificate = factories.grant(self.accreditation)
        others = factories.granted_accreditation(other, society, decision_reason=f"Supervised by {NAME}")
        self.others_accreditation_id = others.id
        self.evidence = self._evidence_file()
        self.record = factories.training_record(self.person, evidence_path=self.evidence, evidence_name="petra-cv.pdf",
                                                evidence_type="application/pdf", days=4,
                                                outside_group="Balintgruppe Dr. Weber, Köln")
        self.qualification_evidence = self._evidence_file("beef.pdf")
        self.qualification = factories.qualification(
            self.person, note=f"Awarded to {NAME} by the chamber", evidence_path=self.qualification_evidence,
            evidence_name="petra-diploma.pdf", evidence_type="application/pdf", training_started_on=date(2012, 9, 1))
        factories.supervisor_listing(society, self.person, note=f"{NAME} listed by the council")
        factories.flag(society, subject_type="person", subject_id=self.person.id, kind="membership_lapsed",
                       message=f"{NAME}'s membership lapsed")
        self.group_flag = factories.flag(society, subject_type="group", subject_id=self.group.id,
                                         message=f"Only {NAME} leads this group", details=json.dumps({"email": EMAIL}))
        batch = ImportBatch(society_id=society.id, kind="members", filename="members.csv")
        db.session.add(batch)
        db.session.flush()
        self.batch_id = batch.id
        db.session.execute(text("INSERT INTO import_files (batch_id, content) VALUES (:b, :c)"),
                           {"b": batch.id, "c": f"given_name,family_name,email\nPetra,Privat,{EMAIL}\n"})
        db.session.execute(text("INSERT INTO import_row_errors (batch_id, row_no, field, message) VALUES (:b, 2, 'email', :m)"),
                           {"b": batch.id, "m": f"{EMAIL} is taken"})
        self.person.phone = PHONE.replace("123", "999")  # an edit: the trail holds old and new values
        db.session.flush()
        self.person.phone = PHONE
        db.session.commit()

    def _evidence_file(self, name: str = "f00d.pdf") -> str:
        from flask import current_app

        folder = Path(current_app.config["STORAGE_DIR"]) / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(factories.PDF_BYTES)
        return f"evidence/{name}"


@pytest.fixture
def registry(society):
    return Registry(society)


def _everything_in_the_database() -> str:
    """Every value of every table, as text (the audit trail included)."""
    chunks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks).lower()


def _erase(person) -> dict:
    summary = erasure.erase(person, TODAY)
    db.session.commit()
    erasure.wipe_free_pages()
    return summary.as_dict()


# -- export -------------------------------------------------------------------------------

def test_export_holds_everything_about_the_person_and_no_secret(registry, app):
    data = export.export(registry.person)
    assert data["person"]["email"] == EMAIL and data["person"]["phone"] == PHONE
    tables = data["tables"]
    assert [u["email"] for u in tables["users"]] == [LOGIN_EMAIL]
    assert "password_hash" not in tables["users"][0] and "session_token" not in tables["users"][0]
    assert len(tables["memberships"]) == 1 and tables["dues_payments"][0]["paid_on"] == "2025-02-01"
    assert len(tables["group_leaders"]) == 1 and len(tables["attendance"]) == 1
    assert data["context"]["groups"][0]["name"] == registry.group.name
    assert data["context"]["sessions"][0]["held_on"] == "2025-03-01"
    assert tables["training_records"][0]["evidence_name"] == "petra-cv.pdf"
    assert tables["person_qualifications"][0]["evidence_name"] == "petra-diploma.pdf"
    assert tables["person_qualifications"][0]["note"] == f"Awarded to {NAME} by the chamber"
    # the facts rules read: when the qualification's training began, how long a record lasted, its group
    assert tables["person_qualifications"][0]["training_started_on"] == "2012-09-01"
    assert (tables["training_records"][0]["days"], tables["training_records"][0]["outside_group"]) == (
        4, "Balintgruppe Dr. Weber, Köln")
    assert {d["reason"] for d in tables["accreditation_decisions"]} >= {f"Granted to {NAME}"}
    assert tables["certificates"][0]["number"] == registry.certificate.number
    assert {f["kind"] for f in data["flags"]} == {"membership_lapsed"}
    edits = [e for e in data["audit_events"] if e["entity_type"] == "Person" and e["action"] == "update"]
    assert edits and "phone" in edits[0]["changes"]
    json.dumps(data)  # plain JSON all the way down


def test_every_marked_column_of_the_persons_rows_is_in_the_export(registry):
    from society.services.privacy import inventory

    data = export.export(registry.person)
    rows = {"people": [data["person"]], **data["tables"]}
    for owned in inventory.owned_tables():
        for column in inventory.personal_columns(owned.table):
            assert rows[owned.table.name], f"the fixture has no {owned.table.name} row"
            assert column.name in rows[owned.table.name][0], f"{owned.table.name}.{column.name} missing from export"


def test_the_cli_exports_json_to_standard_output_and_audits_it(registry, runner):
    result = runner.invoke(args=["privacy", "export", LOGIN_EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["person"]["email"] == EMAIL
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "privacy_export", AuditEvent.entity_id == registry.person.id)) == 1
    missing = runner.invoke(args=["privacy", "export", "nobody@example.org"])
    assert missing.exit_code != 0 and "Nobody" in missing.output


def test_a_member_downloads_their_own_data_from_my_data(registry, app):
    client = app.test_client()
    factories.log_in(client, LOGIN_EMAIL)
    assert 'id="my-data"' in client.get("/portal/records").get_data(as_text=True)  # in the Account menu
    page = client.get("/my-data")
    assert page.status_code == 200 and "/my-data/export.json" in page.get_data(as_text=True)
    answer = client.get("/my-data/export.json")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert answer.get_json()["person"]["email"] == EMAIL
    archive = zipfile.ZipFile(io.BytesIO(client.get("/my-data/export.zip").data))
    names = archive.namelist()
    assert "personal-data.json" in names
    assert f"evidence/{registry.record.id}-petra-cv.pdf" in names
    assert f"evidence/qualifications/{registry.qualification.id}-petra-diploma.pdf" in names
    assert f"certificates/{registry.certificate.number}.pdf" in names
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "privacy_export")) == 2


def test_my_data_is_for_leaders_and_members_and_shows_only_their_own(registry, admin_client, leader_client):
    assert admin_client.get("/my-data").status_code == 403
    own = leader_client.get("/my-data/export.json").get_json()
    assert own["person"]["email"] == "lena@example.org" and EMAIL not in json.dumps(own)


def test_administrators_export_their_members_only(registry, admin_client, admin):
    page = admin_client.get(f"/admin/members/{registry.person.id}")
    html = page.get_data(as_text=True)
    assert f"/admin/members/{registry.person.id}/privacy/export.json" in html
    assert f"/admin/members/{registry.person.id}/erase" in html
    assert admin_client.get(f"/admin/members/{registry.person.id}/privacy/export.json").get_json()["person"]["email"] == EMAIL
    stranger = factories.person()
    factories.membership(stranger, factories.society())
    assert admin_client.get(f"/admin/members/{stranger.id}/privacy/export.json").status_code == 404


# -- erasure --------------------------------------------------------------------------------

def test_after_erasure_no_table_holds_the_persons_name_email_or_phone(registry):
    before = _everything_in_the_database()
    assert all(trace.lower() in before for trace in (EMAIL, LOGIN_EMAIL, NAME, PHONE))
    summary = _erase(db.session.get(Person, registry.person.id))
    everything = _everything_in_the_database()
    for trace in TRACES:
        assert trace.lower() not in everything, trace
    assert summary["pseudonym"] == f"Erased person {registry.person.id}"
    assert summary["deleted"]["users"] == 1 and summary["deleted"]["training_records"] == 1
    assert summary["files_removed"] == 2 and summary["deleted"]["person_qualifications"] == 1
    assert {"flags.message", "import_files.content", "import_row_errors.message",
            "accreditations.decision_reason"} <= set(summary["scrubbed"])


def test_erasure_keeps_the_groups_history_with_an_anonymous_participant(registry):
    _erase(db.session.get(Person, registry.person.id))
    counts = db.session.scalar(select(func.count()).select_from(Attendance).join(GroupSession)
                               .where(GroupSession.group_id == registry.group.id))
    assert counts == 2
    person = db.session.get(Person, registry.person.id)
    assert person.erased_at is not None and person.email is None and person.phone is None and person.city is None
    assert person.full_name == f"Erased person {person.id}"
    assert db.session.scalar(select(func.count(User.id)).where(User.person_id == person.id)) == 0
    assert db.session.scalar(select(func.count(TrainingRecord.id)).where(TrainingRecord.person_id == person.id)) == 0


def test_the_audit_trail_keeps_the_events_under_the_pseudonym_and_records_the_erasure(registry):
    person_id = registry.person.id
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    _erase(db.session.get(Person, person_id))
    edits = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Person",
                                                        AuditEvent.entity_id == person_id,
                                                        AuditEvent.action == "update")).all()
    assert edits and all(json.loads(e.changes)["phone"] == [f"Erased person {person_id}"] * 2 for e in edits)
    erased = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert erased.entity_type == "Person" and erased.entity_id == person_id
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before + 1  # nothing deleted


def test_erasure_keeps_dues_and_decisions_under_the_pseudonym_and_says_until_when(registry):
    summary = _erase(db.session.get(Person, registry.person.id))
    kept = {item["what"]: item for item in summary["kept"]}
    assert kept["dues_payments"]["until"] == "2032-12-31"  # paid in 2025, seven years' bookkeeping
    assert kept["dues_payments"]["rows"] == 1 and "Bookkeeping" in kept["dues_payments"]["reason"]
    assert kept["accreditation_decisions"]["rows"] == 1
    assert db.session.scalar(select(func.count(RetainedRecord.id))) == 2
    decisions = db.session.scalars(select(AccreditationDecision)
                                   .where(AccreditationDecision.accreditation_id == registry.accreditation.id)).all()
    assert decisions and all(d.reason is None for d in decisions)


def test_evidence_files_and_cached_certificate_pdfs_are_deleted(registry, app):
    from society.services.certificates import pdf

    stored = pdf.ensure(db.session.get(Certificate, registry.certificate.id))
    db.session.commit()
    evidence = Path(app.config["STORAGE_DIR"]) / registry.evidence
    qualification_evidence = Path(app.config["STORAGE_DIR"]) / registry.qualification_evidence
    assert stored.path.exists() and evidence.exists() and qualification_evidence.exists()
    _erase(db.session.get(Person, registry.person.id))
    assert not stored.path.exists() and not evidence.exists() and not qualification_evidence.exists()
    assert db.session.scalar(select(func.count(PersonQualification.id))) == 0


def test_a_certificate_of_an_erased_holder_verifies_as_withdrawn_without_a_name(registry, client):
    number = registry.certificate.number
    _erase(db.session.get(Person, registry.person.id))
    page = client.get(f"/verify/{number}").get_data(as_text=True)
    assert 'data-status="withdrawn"' in page and "Petra" not in page and "Erased person" not in page
    body = client.get(f"/api/v1/certificates/{number}").get_json()
    assert body["status"] == "withdrawn" and body["holder_name"] == ""


def _traces_in_files(path: Path, traces) -> list[str]:
    """Which traces the database file and its WAL hold, read by another process: closing a file
    descriptor of the database here would drop this process's SQLite locks on it (POSIX advisory
    locks belong to the process), and a later writer could then corrupt it."""
    script = ("import sys, pathlib; data = b''.join(p.read_bytes() for p in map(pathlib.Path, sys.argv[1:3]) "
              "if p.exists()); print('\\n'.join(t for t in sys.argv[3:] if t.encode() in data))")
    result = subprocess.run([sys.executable, "-c", script, str(path), f"{path}-wal", *traces],
                            capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if line]


def test_the_raw_sqlite_file_holds_no_trace_of_the_email_after_erasure(registry, app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the raw file exists on SQLite only")
    path = Path(db.engine.url.database)
    erasure.wipe_free_pages()
    assert EMAIL in _traces_in_files(path, [EMAIL])  # the test sees the file the data is in
    _erase(db.session.get(Person, registry.person.id))
    assert _traces_in_files(path, [EMAIL, LOGIN_EMAIL, NAME]) == []


def test_the_erase_page_says_what_is_kept_and_asks_for_a_confirmation(registry, admin_client):
    url = f"/admin/members/{registry.person.id}/erase"
    page = admin_client.get(url).get_data(as_text=True)
    assert "What will be kept" in page and "dues payments" in page and "accreditation decisions" in page
    refused = admin_client.post(url, data={})
    assert refused.status_code == 422 and db.session.get(Person, registry.person.id).erased_at is None
    done = admin_client.post(url, data={"confirm": "y"})
    assert done.status_code == 302
    assert db.session.get(Person, registry.person.id).erased_at is not None
    assert 'id="already-erased"' in admin_client.get(url).get_data(as_text=True)


def test_the_cli_erases_with_yes_only_and_ends_with_a_json_summary(registry, runner):
    asked = runner.invoke(args=["privacy", "erase", EMAIL])
    assert asked.exit_code != 0 and db.session.get(Person, registry.person.id).erased_at is None
    result = runner.invoke(args=["privacy", "erase", EMAIL, "--yes"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["person_id"] == registry.person.id and summary["kept"]
    db.session.expire_all()
    assert db.session.get(Person, registry.person.id).erased_at is not None
    again = runner.invoke(args=["privacy", "erase", f"Erased person {registry.person.id}", "--yes"])
    assert again.exit_code != 0


def test_erasing_one_person_leaves_the_others_alone(registry):
    other = db.session.scalar(select(Person).where(Person.family_name == "Other"))
    _erase(db.session.get(Person, registry.person.id))
    db.session.refresh(other)
    assert other.full_name == "Olle Other" and other.email and other.erased_at is None
    assert db.session.get(Flag, registry.group_flag.id).message == f"Only Erased person {registry.person.id} leads this group"


def test_sqlite_connections_zero_what_they_delete():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    assert db.session.connection().exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_the_member_search_no_longer_finds_an_erased_person(registry, admin_client):
    def found(word: str) -> bool:
        return f"/admin/members/{registry.person.id}\"" in admin_client.get(f"/admin/members/?q={word}").get_data(as_text=True)

    assert found("petra.privat") and found("Privat")
    _erase(db.session.get(Person, registry.person.id))
    assert not found("petra.privat") and not found("Privat")
    if db.engine.dialect.name == "sqlite":  # the trigram index itself
        assert db.session.execute(text("SELECT count(*) FROM people_search WHERE people_search MATCH 'privat'")).scalar() == 0
