"""Evidence files: only PDF, PNG and JPEG by content, within the size limit, stored outside the
web root under a random name, and served only to the owner, the society's administrators and
whoever is asked to countersign the record; everybody else gets 404."""
import io
from pathlib import Path

import pytest

from society.extensions import db
from society.models import AuditEvent, TrainingRecord
from society.services.training import evidence

from . import factories

FORM = {"kind": "intensive", "occurred_on": "2024-03-01", "unit": "event", "units": "1", "minutes": "960",
        "in_person": "y", "title": "Ascona intensive"}


def upload(client, content: bytes, filename: str, **extra):
    data = {**FORM, **extra, "evidence": (io.BytesIO(content), filename)}
    return client.post("/portal/records/new", data=data, content_type="multipart/form-data")


def only_record(person_id) -> TrainingRecord:
    return db.session.scalars(db.select(TrainingRecord).where(TrainingRecord.person_id == person_id)).one()


def stored_files(app) -> list[Path]:
    folder = Path(app.config["STORAGE_DIR"]) / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


def client_for(app, user):
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, user.email)
    return client


def test_a_pdf_is_stored_outside_the_web_root_under_a_random_name(app, leader_client, leader):
    response = upload(leader_client, factories.PDF_BYTES, "certificate of attendance.pdf")
    assert response.status_code == 302
    record = only_record(leader.person_id)
    assert (record.evidence_name, record.evidence_type) == ("certificate of attendance.pdf", "application/pdf")
    [stored] = stored_files(app)
    assert stored.read_bytes() == factories.PDF_BYTES
    assert "certificate" not in stored.name and len(stored.stem) >= 32
    assert Path(app.static_folder) not in stored.resolve().parents
    assert record.evidence_path == f"evidence/{stored.name}"


@pytest.mark.parametrize("content, filename, content_type", [
    (factories.PNG_BYTES, "scan.png", "image/png"),
    (factories.JPEG_BYTES, "photo.JPG", "image/jpeg"),
    (factories.JPEG_BYTES, "photo.jpeg", "image/jpeg"),
])
def test_png_and_jpeg_are_accepted(leader_client, leader, content, filename, content_type):
    assert upload(leader_client, content, filename).status_code == 302
    assert only_record(leader.person_id).evidence_type == content_type


@pytest.mark.parametrize("content, filename, message", [
    (b"just some notes", "notes.txt", "Evidence must be a PDF, PNG or JPEG file."),
    (b"MZ\x90\x00 an executable", "tool.exe", "Evidence must be a PDF, PNG or JPEG file."),
    (b"<html><script>alert(1)</script></html>", "innocent.pdf", "content is not a PDF, PNG or JPEG"),
    (factories.PNG_BYTES, "renamed.pdf", "content is not a PDF, PNG or JPEG"),
    (b"", "empty.pdf", "The file is empty."),
])
def test_other_types_are_refused_by_content_with_a_clear_message(app, leader_client, leader, content, filename, message):
    response = upload(leader_client, content, filename)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'value="Ascona intensive"' in html
    assert db.session.scalar(db.select(db.func.count(TrainingRecord.id))) == 0
    assert stored_files(app) == []


def test_a_file_above_the_size_limit_is_refused(app, leader_client, leader, monkeypatch):
    # Small sizes: the test client spools larger bodies to files it never closes.
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 2048)
    big = factories.PDF_BYTES + b"0" * 2048
    response = upload(leader_client, big, "big.pdf")
    assert response.status_code == 422
    assert "The file is larger than 2 KB; attach a smaller one." in response.get_data(as_text=True)
    assert stored_files(app) == []
    exact = factories.PDF_BYTES + b"0" * (2048 - len(factories.PDF_BYTES))
    assert upload(leader_client, exact, "exact.pdf").status_code == 302


def test_an_upload_beyond_the_request_limit_is_refused_with_a_message(app, leader_client, leader, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = upload(leader_client, factories.PDF_BYTES + b"0" * 8192, "huge.pdf")
    assert response.status_code == 413
    assert "The upload is too large; attach a smaller file." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(TrainingRecord.id))) == 0


def test_the_owner_downloads_the_evidence_as_an_attachment_of_the_right_type(leader_client, leader):
    upload(leader_client, factories.PDF_BYTES, "report.pdf")
    record = only_record(leader.person_id)
    with leader_client.get(f"/portal/records/{record.id}/evidence") as response:
        assert response.status_code == 200 and response.data == factories.PDF_BYTES
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;") and "report.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    downloads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "evidence_download")).all()
    assert [(d.entity_type, d.entity_id, d.actor_label) for d in downloads] == [("TrainingRecord", record.id, leader.email)]


def test_an_admin_of_the_society_downloads_the_evidence(leader_client, leader, admin_client):
    upload(leader_client, factories.PNG_BYTES, "scan.png")
    record = only_record(leader.person_id)
    with admin_client.get(f"/admin/records/{record.id}/evidence") as response:
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_everybody_else_gets_404_for_the_evidence(app, leader_client, leader, society):
    upload(leader_client, factories.PDF_BYTES, "private.pdf")
    record = only_record(leader.person_id)
    other_society = factories.society()
    other_admin = factories.user(role="admin", society=other_society)
    other_leader = factories.leader_user(factories.accredited_person(society))
    assert client_for(app, other_admin).get(f"/admin/records/{record.id}/evidence").status_code == 404
    other = client_for(app, other_leader)
    assert other.get(f"/portal/records/{record.id}/evidence").status_code == 404
    assert other.get(f"/admin/records/{record.id}/evidence").status_code == 403
    assert leader_client.get(f"/admin/records/{record.id}/evidence").status_code == 403
    anonymous = app.test_client().get(f"/portal/records/{record.id}/evidence")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_a_countersigner_sees_the_evidence_of_records_put_to_them_while_pending(app, leader_client, leader, society):
    supervisor = factories.accredited_person(society, email="sup@example.org")
    upload(leader_client, factories.PDF_BYTES, "letter.pdf", supervisor_email="sup@example.org")
    record = only_record(leader.person_id)
    signer = client_for(app, factories.leader_user(supervisor))
    assert 'letter.pdf' in signer.get("/portal/countersign").get_data(as_text=True)
    with signer.get(f"/portal/records/{record.id}/evidence") as response:
        assert response.status_code == 200 and response.data == factories.PDF_BYTES
    signer.post(f"/portal/countersign/{record.id}")
    assert db.session.get(TrainingRecord, record.id).status == "approved"
    assert signer.get(f"/portal/records/{record.id}/evidence").status_code == 404  # no longer asked


def test_withdrawing_a_record_removes_its_file_and_editing_replaces_it(app, leader_client, leader):
    upload(leader_client, factories.PDF_BYTES, "first.pdf")
    record = only_record(leader.person_id)
    [first] = stored_files(app)
    response = leader_client.post(f"/portal/records/{record.id}/edit", content_type="multipart/form-data",
                                  data={**FORM, "evidence": (io.BytesIO(factories.PNG_BYTES), "second.png")})
    assert response.status_code == 302
    [second] = stored_files(app)
    assert second != first and second.read_bytes() == factories.PNG_BYTES
    assert only_record(leader.person_id).evidence_name == "second.png"
    leader_client.post(f"/portal/records/{record.id}/withdraw")
    assert stored_files(app) == []


def test_a_refused_edit_keeps_the_old_file(app, leader_client, leader):
    upload(leader_client, factories.PDF_BYTES, "first.pdf")
    record = only_record(leader.person_id)
    response = leader_client.post(f"/portal/records/{record.id}/edit", content_type="multipart/form-data",
                                  data={**FORM, "evidence": (io.BytesIO(b"not a pdf"), "fake.pdf")})
    assert response.status_code == 422
    assert len(stored_files(app)) == 1 and only_record(leader.person_id).evidence_name == "first.pdf"


def test_the_evidence_can_be_removed_from_a_pending_record(app, leader_client, leader):
    upload(leader_client, factories.PDF_BYTES, "first.pdf")
    record = only_record(leader.person_id)
    leader_client.post(f"/portal/records/{record.id}/edit", data={**FORM, "remove_evidence": "y"})
    assert only_record(leader.person_id).evidence_path is None and stored_files(app) == []


def test_a_stored_file_is_removed_when_its_transaction_rolls_back(app):
    with app.test_request_context():
        stored = evidence.store(evidence.Upload("a.pdf", io.BytesIO(factories.PDF_BYTES)))
        assert (Path(app.config["STORAGE_DIR"]) / stored.path).exists()
        db.session.rollback()
        assert not (Path(app.config["STORAGE_DIR"]) / stored.path).exists()


def test_a_path_outside_the_storage_folder_is_never_served(app):
    with app.test_request_context():
        with pytest.raises(Exception) as refused:
            evidence.path_of("../../etc/passwd")
    assert getattr(refused.value, "status", None) == 404


def test_sizes_are_written_for_people():
    assert (evidence.size_text(5 * 1024 * 1024), evidence.size_text(1536 * 1024), evidence.size_text(2048)) == (
        "5 MB", "1.5 MB", "2 KB")


def test_file_names_are_cleaned_for_display():
    assert evidence.display_name("C:\\Users\\x\\report.pdf") == "report.pdf"
    assert evidence.display_name("../../evil\r\nname.pdf") == "evilname.pdf"
    assert evidence.display_name("") == "evidence"
    assert len(evidence.display_name("a" * 300 + ".pdf")) == 200
