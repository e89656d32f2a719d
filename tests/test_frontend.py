"""What every page shares: the favicon, static files addressed by their content, a CSP without inline styles, form errors tied to their
fields, named pager links, and the note that a chosen evidence file must be chosen again."""
import io
import pathlib
import re
from datetime import date

from . import factories

TEMPLATES = pathlib.Path(__file__).parent.parent / "society" / "templates"
RECORD = {"kind": "co_leading", "occurred_on": "2024-03-01", "unit": "session", "units": "1", "minutes": "90",
          "in_person": "y"}


def test_the_favicon_is_served_from_memory(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert not response.direct_passthrough  # no file handle held open while a browser reads it
    assert response.cache_control.max_age == 86400


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/(?:static|bootstrap/static)/[^"]+)"', html)


def test_a_page_addresses_its_static_files_by_content_and_a_browser_may_keep_them(client, app, tmp_path):
    assets = _assets(client.get("/auth/login").get_data(as_text=True))
    # Our stylesheet and script and Bootstrap's, each with its digest.
    assert {a.split("?")[0] for a in assets} >= {"/static/app.css", "/static/app.js",
                                                 "/bootstrap/static/css/bootstrap.min.css"}
    assert all(re.search(r"\?v=[0-9a-f]{12}$", a) for a in assets), assets
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        answer.close()
    # Without the digest, or with one that is not the file's, the file is revalidated as before.
    for stale in ("/static/app.css", "/static/app.css?v=000000000000"):
        answer = client.get(stale)
        assert answer.status_code == 200 and "immutable" not in answer.headers["Cache-Control"]
        answer.close()


def test_a_changed_static_file_gets_a_new_address(app, tmp_path):
    from flask import url_for

    (tmp_path / "site.css").write_text("body { color: black }")
    app.static_folder, folder = str(tmp_path), app.static_folder
    try:
        with app.test_request_context():
            before = url_for("static", filename="site.css")
            (tmp_path / "site.css").write_text("body { color: navy; }")
            after = url_for("static", filename="site.css")
            missing = url_for("static", filename="nowhere.css")
    finally:
        app.static_folder = folder
    assert before != after and before.startswith("/static/site.css?v=") and after.startswith("/static/site.css?v=")
    assert missing == "/static/nowhere.css"


def test_pages_link_the_favicon(client):
    assert 'rel="icon" href="/favicon.ico"' in client.get("/auth/login").get_data(as_text=True)


def test_the_csp_allows_no_inline_styles(client):
    policy = client.get("/auth/login").headers["Content-Security-Policy"]
    assert "style-src 'self';" in policy and "unsafe-inline" not in policy


def test_no_template_of_a_page_carries_a_style_attribute():
    pages = [p for p in TEMPLATES.rglob("*.html") if "pdf" not in p.parts and "mail" not in p.parts]
    offenders = [str(p.relative_to(TEMPLATES)) for p in pages if re.search(r"\sstyle=", p.read_text())]
    assert pages and offenders == []


def test_form_errors_are_tied_to_their_fields(leader_client):
    response = leader_client.post("/portal/records/new", data={**RECORD, "units": "0"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    units = re.search(r'<input[^>]*name="units"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in units and 'aria-describedby="f-units-error"' in units
    assert re.search(r'<div class="invalid-feedback" id="f-units-error">Give a number above 0', html)
    kind = re.search(r'<select[^>]*name="kind"[^>]*>', html).group(0)
    assert "aria-invalid" not in kind


def test_help_text_is_tied_to_its_field_and_required_fields_say_so(admin_client):
    html = admin_client.get("/admin/members/new").get_data(as_text=True)
    required = re.findall(r'<(?:input|select)[^>]*\srequired[^>]*>', html)
    assert any('name="given_name"' in tag for tag in required) and any('name="family_name"' in tag for tag in required)
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert all(f'id="{i}"' in html for ids in described for i in ids.split())


def test_pager_links_are_named(app, leader_client, leader, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    for day in (1, 2, 3):
        factories.training_record(leader.person, occurred_on=date(2024, 1, day), status="approved")
    html = leader_client.get("/portal/records?page=2").get_data(as_text=True)
    assert 'aria-label="Previous page"' in html and 'aria-label="Next page"' in html


def test_a_refused_record_asks_to_choose_the_evidence_file_again(leader_client):
    response = leader_client.post("/portal/records/new", data={
        **RECORD, "units": "0", "evidence": (io.BytesIO(b"%PDF-1.4 minutes"), "minutes.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "choose the evidence file again" in html
    evidence = re.search(r'<input[^>]*name="evidence"[^>]*>', html).group(0)
    assert 'aria-describedby="f-evidence-help f-evidence-note"' in evidence  # the note is read with the field
    assert re.search(r'id="f-evidence-note"[^>]*>[^<]*minutes.pdf', html)


def test_a_filter_not_understood_is_marked_on_its_field(admin_client):
    html = admin_client.get("/admin/members/?status=bogus").get_data(as_text=True)
    status = re.search(r'<select[^>]*name="status"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in status and 'aria-describedby="f-status-error"' in status
    assert 'id="f-status-error"' in html
