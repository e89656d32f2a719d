"""CSV imports: a preview that checks every row and names what is wrong, then all or nothing."""
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from society.extensions import db
from society.models import AuditEvent, Group, ImportBatch, ImportFile, Membership, Person
from society.services.membership import imports

from . import factories

HEADER = "given_name,family_name,email,phone,profession,category,joined_on\n"
GOOD = HEADER + ("Karin,Lindqvist,karin@example.se,+46 70 123 45 67,gp,full,2021-03-01\n"
                 "Erik,Holm,erik@example.se,,resident,trainee,2024-09-15\n"
                 "Sara,Ek,sara@example.se,,Physiotherapist,Associate,2019-01-10\n")
BAD_ROW_3 = GOOD.replace("erik@example.se,,resident,trainee,2024-09-15", "erik-at-example,,wizard,trainee,15/09/2024")


def upload(client, text: str, kind="members", filename="members.csv"):
    return client.post("/admin/imports/", data={"kind": kind, "file": (io.BytesIO(text.encode()), filename)},
                       content_type="multipart/form-data")


def batch_of(response) -> ImportBatch:
    assert response.status_code == 302, response.get_data(as_text=True)
    batch_id = int(re.search(r"/admin/imports/(\d+)$", response.headers["Location"]).group(1))
    return db.session.get(ImportBatch, batch_id)


def people() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def test_a_good_file_previews_as_valid_then_imports_every_row(admin_client, society):
    batch = batch_of(upload(admin_client, GOOD))
    assert (batch.status, batch.total_rows, batch.processed_rows, batch.error_count) == ("valid", 3, 3, 0)
    page = admin_client.get(f"/admin/imports/{batch.id}").get_data(as_text=True)
    assert "All 3 rows are valid. Nothing has been imported yet." in page and "Lindqvist" in page
    assert people() == 0  # a preview writes nothing
    assert admin_client.post(f"/admin/imports/{batch.id}/commit").status_code == 302
    memberships = db.session.scalars(select(Membership).join(Person).order_by(Person.family_name)).all()
    assert [(m.person.email, m.category, m.person.profession) for m in memberships] == [
        ("sara@example.se", "associate", "physiotherapist"), ("erik@example.se", "trainee", "resident"),
        ("karin@example.se", "full", "gp")]
    assert all(m.society_id == society.id for m in memberships)
    db.session.refresh(batch)
    assert (batch.status, batch.imported_count) == ("committed", 3)
    assert db.session.get(ImportFile, batch.id) is None  # the uploaded personal data is not kept
    # Each imported row has its own history.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == "Person", AuditEvent.action == "create")) == 3


def test_the_preview_names_the_bad_row_field_and_message_and_nothing_can_be_committed(admin_client):
    batch = batch_of(upload(admin_client, BAD_ROW_3))
    assert batch.status == "invalid" and batch.error_count == 3
    page = admin_client.get(f"/admin/imports/{batch.id}").get_data(as_text=True)
    errors = page.split('id="row-errors"', 1)[1].split("</table>", 1)[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", errors)]
    rows = [tuple(cells[i:i + 3]) for i in range(0, len(cells), 3)]
    assert rows == [("3", "email", "Not a valid email address."),
                    ("3", "joined_on", "Not a valid date."),
                    ("3", "profession", rows[2][2])]
    assert rows[2][2].startswith("Choose one of: gp, resident")
    assert "Nothing was imported" in page
    assert admin_client.post(f"/admin/imports/{batch.id}/commit").status_code == 409
    assert people() == 0


def test_duplicate_emails_in_the_file_and_in_the_database_are_row_errors(admin_client, society):
    factories.member(society, email="sara@example.se")
    text = GOOD + "Karin,Again,KARIN@example.se,,gp,full,2022-01-01\n"
    batch = batch_of(upload(admin_client, text))
    messages = {(e.row_no, e.field): e.message for e in imports.errors_of(batch)}
    assert messages == {(5, "email"): "Also on row 2: each e-mail may appear once.",
                        (4, "email"): "A person with this e-mail address is already registered."}
    assert batch.status == "invalid"


def test_all_or_nothing_when_the_database_changed_since_the_preview(admin_client, society):
    batch = batch_of(upload(admin_client, GOOD))
    assert batch.status == "valid"
    factories.member(society, email="erik@example.se", given_name="Erik", family_name="Registered meanwhile")
    response = admin_client.post(f"/admin/imports/{batch.id}/commit")
    assert response.status_code == 302
    assert people() == 1  # only the one registered meanwhile
    db.session.refresh(batch)
    assert batch.status == "invalid"
    assert [(e.row_no, e.field) for e in imports.errors_of(batch)] == [(3, "email")]


def test_all_or_nothing_when_the_database_refuses_a_row_at_commit(admin_client, monkeypatch):
    batch = batch_of(upload(admin_client, GOOD))
    insert_rows = imports._inserted

    def third_row_breaks_a_constraint(model, rows):
        if model is Membership:
            rows[2]["category"] = "not-a-category"  # the CHECK constraint refuses it, after the people went in
        return insert_rows(model, rows)

    monkeypatch.setattr(imports, "_inserted", third_row_breaks_a_constraint)
    response = admin_client.post(f"/admin/imports/{batch.id}/commit")
    assert response.status_code == 302
    assert people() == 0 and db.session.scalar(select(func.count(Membership.id))) == 0
    db.session.refresh(batch)
    assert batch.status == "failed" and "nothing was imported" in batch.failure
    assert "nothing was imported" in admin_client.get(f"/admin/imports/{batch.id}").get_data(as_text=True)


def test_a_large_file_is_checked_in_chunks_with_progress(app, admin_client):
    rows = "".join(f"Given{n},Family{n},p{n}@example.se,,gp,full,2020-01-01\n" for n in range(25))
    rows = rows.replace("p17@example.se", "broken")
    app.config["IMPORT_CHUNK_ROWS"] = 10
    app.config["IMPORT_REQUEST_SECONDS"] = 0  # one chunk per step
    try:
        batch = batch_of(upload(admin_client, HEADER + rows))
        assert (batch.status, batch.processed_rows, batch.total_rows) == ("validating", 10, 25)
        page = admin_client.get(f"/admin/imports/{batch.id}").get_data(as_text=True)
        assert 'id="import-progress"' in page and "imports.js" in page and 'aria-valuenow="40"' in page
        progress = admin_client.post(f"/admin/imports/{batch.id}/step", headers={"Accept": "application/json"}).get_json()
        assert progress == {"status": "validating", "processed": 20, "total": 25, "errors": 1, "done": False,
                            "creating": False, "url": f"/admin/imports/{batch.id}"}
        assert admin_client.get(f"/admin/imports/{batch.id}/progress.json").get_json()["processed"] == 20
        # Without JavaScript the button does the same and comes back to the page.
        assert admin_client.post(f"/admin/imports/{batch.id}/step").status_code == 302
    finally:
        app.config["IMPORT_CHUNK_ROWS"] = 500
        app.config["IMPORT_REQUEST_SECONDS"] = 3
    db.session.refresh(batch)
    assert (batch.status, batch.processed_rows, batch.error_count) == ("invalid", 25, 1)
    assert [(e.row_no, e.field) for e in imports.errors_of(batch)] == [(19, "email")]


def test_problems_with_the_file_itself_are_shown_on_the_upload_form(admin_client):
    wrong_header = upload(admin_client, "given_name,surname,email\nA,B,c@example.se\n")
    assert wrong_header.status_code == 422
    html = wrong_header.get_data(as_text=True)
    assert "missing column(s): family_name" in html and "unknown column(s): surname" in html
    assert upload(admin_client, "\xff\xfe".encode("latin-1").decode("latin-1")).status_code == 422
    not_utf8 = admin_client.post("/admin/imports/", data={"kind": "members", "file": (io.BytesIO("Åsa".encode("latin-1")), "x.csv")},
                                 content_type="multipart/form-data")
    assert "not UTF-8" in not_utf8.get_data(as_text=True)
    with_nul = upload(admin_client, HEADER + "Anna,Berg\x00,anna@example.se\n")
    assert with_nul.status_code == 422 and "NUL byte (line 2)" in with_nul.get_data(as_text=True)
    assert "header row but no rows" in upload(admin_client, HEADER).get_data(as_text=True)
    assert "Choose a CSV file." in admin_client.post("/admin/imports/", data={"kind": "members"}).get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_semicolon_separated_files_with_a_bom_are_read(admin_client):
    text = "\ufeff" + GOOD.replace(",", ";")
    batch = batch_of(upload(admin_client, text))
    assert batch.status == "valid" and batch.total_rows == 3


GROUPS = ("name,city,country,format,language,audience,rhythm,session_minutes,starts_on,accepting_members,status\n"
          "Balint Uppsala,Uppsala,se,in_person,sv,gp;resident,fortnightly,90,2025-01-14,yes,active\n"
          "Online physios,,,online,,physiotherapist,monthly,120,,no,\n")


def test_import_groups(admin_client, society):
    batch = batch_of(upload(admin_client, GROUPS, kind="groups", filename="groups.csv"))
    assert batch.status == "valid", imports.errors_of(batch)
    admin_client.post(f"/admin/imports/{batch.id}/commit")
    groups = {g.name: g for g in db.session.scalars(select(Group))}
    uppsala, online = groups["Balint Uppsala"], groups["Online physios"]
    assert uppsala.audience_list == ["gp", "resident"] and uppsala.country == "SE" and uppsala.accepting_members
    assert uppsala.starts_on == date(2025, 1, 14) and uppsala.status == "active"
    assert online.country == society.country and online.language == society.default_language
    assert online.status == "forming" and not online.accepting_members and online.society_id == society.id


def test_group_rows_name_their_problems(admin_client, society):
    factories.group(society, name="Balint Uppsala")
    text = GROUPS + "Third,Lund,SE,by_pigeon,sv,gp;astronaut,weekly,900,,maybe,active\n"
    batch = batch_of(upload(admin_client, text, kind="groups"))
    found = {(e.row_no, e.field) for e in imports.errors_of(batch)}
    assert found == {(2, "name"), (4, "format"), (4, "audience"), (4, "session_minutes"), (4, "accepting_members")}
    messages = " ".join(e.message for e in imports.errors_of(batch))
    assert "already has a group with this name" in messages and "Unknown profession: astronaut" in messages


def test_example_files_download_and_import_cleanly(admin_client):
    for kind in ("members", "groups"):
        response = admin_client.get(f"/admin/imports/example-{kind}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        batch = batch_of(upload(admin_client, response.get_data(as_text=True), kind=kind))
        assert batch.status == "valid", [(e.row_no, e.field, e.message) for e in imports.errors_of(batch)]


def test_discard_forgets_the_file(admin_client):
    batch = batch_of(upload(admin_client, GOOD))
    assert admin_client.post(f"/admin/imports/{batch.id}/discard").status_code == 302
    db.session.refresh(batch)
    assert batch.status == "discarded" and db.session.get(ImportFile, batch.id) is None
    assert admin_client.post(f"/admin/imports/{batch.id}/commit").status_code == 409


def test_another_societys_admin_cannot_see_or_commit_our_import(app, admin_client):
    batch = batch_of(upload(admin_client, GOOD))
    other_admin = factories.user(role="admin", society=factories.society())
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, other_admin.email)
    assert client.get(f"/admin/imports/{batch.id}").status_code == 404
    assert client.post(f"/admin/imports/{batch.id}/commit").status_code == 404
    assert people() == 0


@pytest.mark.parametrize("field, value", [("profession", "wizard"), ("category", "vip"), ("email", "x@"),
                                          ("joined_on", "2024-13-01"), ("phone", "call me"), ("given_name", "")])
def test_each_member_validator_refuses_a_bad_value(app, field, value):
    from marshmallow import ValidationError

    from society.schemas.members import MemberSchema

    row = dict(given_name="A", family_name="B", email="a@example.se", phone="", profession="gp", category="full",
               joined_on="2024-01-01")
    row[field] = value
    with app.test_request_context(), pytest.raises(ValidationError) as error:
        MemberSchema().load(row)
    assert field in error.value.messages
