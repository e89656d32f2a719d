"""The certificate PDF: what it shows, what it never fetches or embeds, how long it may take,
and its optional PAdES signature."""
import json
import re
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest

from society.services.certificates import pdf as certificate_pdf, rendering

from . import factories
from .conftest import markup_only

# What a PDF shows, its layout, its fonts, what its renderer fetches and its signature come from HTML,
# CSS, WeasyPrint and pyHanko: the database behind the certificate does not change them (the snapshot a
# certificate is rendered from is read in tests/test_certificates.py, on both databases).
pytestmark = markup_only

IMG_FILE = '<img src="file:///etc/passwd">'
IMG_METADATA = '<img src="http://169.254.169.254/latest/meta-data/">'
ATTACHMENT = "<link rel=attachment href=file:///etc/passwd>"


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def embedded_files(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, check=True, text=True).stdout


def pdf_info(data: bytes, tmp_path, tool="pdfinfo") -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, str(path)], capture_output=True, check=True, text=True).stdout


def issued_to(given: str, family: str, society=None, **society_kw):
    society = society or factories.society(**society_kw)
    person = factories.person(given_name=given, family_name=family)
    return factories.grant(factories.granted_accreditation(person, society))


def render_with_log(certificate):
    """Render as the download does, keeping the fetcher's log."""
    frozen = certificate_pdf.snapshot_of(certificate)
    return certificate_pdf.render_html(certificate_pdf.html_for(frozen))


def test_a_certificate_is_a4_landscape_with_its_fonts_embedded(tmp_path):
    certificate = issued_to("Maja", "Åström")
    data = certificate_pdf.render(certificate)
    info = pdf_info(data, tmp_path)
    assert re.search(r"Pages:\s+1\n", info) and re.search(r"Page size:\s+841.89 x 595.2\d* pts \(A4\)", info), info
    fonts = pdf_info(data, tmp_path, "pdffonts").splitlines()[2:]
    assert fonts and all(" yes yes " in line for line in fonts), fonts  # embedded and subset
    assert {line.split("+")[1].split()[0] for line in fonts} <= {
        "Certificate-Sans", "Certificate-Sans-Bold", "Certificate-Serif-Bold"}, "bundled fonts, not the system's"
    text = pdf_text(data)
    assert "Maja Åström" in text and certificate.number in text and "Accredited Balint Group Leader" in text


def test_the_certificate_shows_everything_the_society_prints(tmp_path):
    society = factories.society(name="Svenska Balintsällskapet", languages="sv,en", default_language="sv",
                                certificate_signatories="Karin Lind, Ordförande\nPer Holm, Utbildningsansvarig")
    person = factories.person(given_name="Erik", family_name="Berg", language="sv", profession="physiotherapist")
    accreditation = factories.granted_accreditation(person, society, granted_on=date(2026, 2, 3),
                                                    expires_on=date(2031, 2, 3), credential_title="Godkänd Balintgruppledare")
    text = pdf_text(certificate_pdf.render(factories.grant(accreditation)))
    for shown in ("Svenska Balintsällskapet", "Certifikat", "Erik Berg", "Fysioterapeut", "Godkänd Balintgruppledare",
                  "3 februari 2026", "3 februari 2031", "Karin Lind", "Ordförande", "Per Holm", "/verify/"):
        assert shown in text, shown
    version = accreditation.rule_set_version.label
    assert f"version {version}" in text


def test_a_certificate_number_is_never_broken_across_lines():
    # Numbers are random: some of them once broke at a hyphen. Twenty draws, and the longest code.
    for code in ("S1243", "ABCDEFGHIJKL"):
        society = factories.society(code=code, certificate_signatories="Karin Lind, Ordförande\nPer Holm, Kassör")
        for n in range(10):
            certificate = issued_to("Maja", f"Åström{n}", society=society)
            lines = pdf_text(certificate_pdf.render(certificate)).splitlines()
            assert certificate.number in lines, [line for line in lines if code in line]
            assert "Karin Lind" in lines and "Per Holm" in lines  # the signatories are not overprinted


def test_the_verification_address_keeps_the_number_whole(app, monkeypatch):
    # A public address of any length may wrap on the certificate: after a slash, never inside the number.
    society = factories.society(code="SBS")
    for length in range(0, 30, 2):
        host = "https://balint-registry" + "x" * length + ".org"
        monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", host)
        certificate = issued_to("Maja", f"Åström{length}", society=society)
        text = pdf_text(certificate_pdf.render(certificate))
        pieces = [line for line in text.splitlines() if "SBS-" in line]
        assert len(pieces) == 2 and all(certificate.number in line for line in pieces), (host, pieces)
        assert f"{host}/verify/{certificate.number}" in text.replace("\n", "")  # the address, read across its lines


def test_german_where_the_society_offers_it():
    society = factories.society(languages="de,en", default_language="de")
    person = factories.person(given_name="Jörg", family_name="Weiß", language="de", profession="psychiatrist")
    accreditation = factories.granted_accreditation(person, society, granted_on=date(2026, 3, 1),
                                                    expires_on=date(2031, 3, 1))
    text = pdf_text(certificate_pdf.render(factories.grant(accreditation)))
    assert "Zertifikat" in text and "Hiermit wird bescheinigt" in text and "1. März 2026" in text
    assert "Psychiaterin/Psychiater" in text


def qr_modules(url: str) -> list[list[int]]:
    """The QR code of ``url`` as rows of 1 (dark) and 0 (light), quiet zone included."""
    import segno

    code = segno.make(url, error="m", mask=rendering.QR_MASK)
    return [[int(bool(dark)) for dark in row] for row in code.matrix_iter(scale=1, border=rendering.QR_BORDER)]


def test_the_qr_code_in_the_pdf_links_to_the_verification_page(tmp_path):
    from PIL import Image

    certificate = issued_to("Qr", "Code")
    url = json.loads(certificate.rendered_from)["verify_url"]
    assert url == f"http://127.0.0.1:5000/verify/{certificate.number}"
    (tmp_path / "doc.pdf").write_bytes(certificate_pdf.render(certificate))
    subprocess.run(["pdfimages", "-png", str(tmp_path / "doc.pdf"), str(tmp_path / "img")], check=True)
    images = [Image.open(path).convert("L") for path in sorted(tmp_path.glob("img-*.png"))]
    drawn = [[int(image.getpixel((x, y)) < 128) for x in range(image.width)] for image in images
             for y in range(image.height)]
    assert drawn == qr_modules(url), "one pixel per module, the verification URL's code"
    info = subprocess.run(["pdfimages", "-list", str(tmp_path / "doc.pdf")], capture_output=True, check=True, text=True)
    assert info.stdout.splitlines()[2].split()[9] == "no", "drawn unsmoothed, so it prints sharp"


def test_the_renderer_draws_qr_codes_from_qr_urls_and_fetches_nothing_for_them():
    rendered = rendering.render_pdf(f'<img src="{rendering.qr_url("https://example.org/verify/X?a=1&b=ü")}">')
    assert rendered.fetched == [] and rendered.refused == [] and b"/Subtype /Image" in rendered.pdf
    too_long = rendering.render_pdf(f'<img src="{rendering.qr_url("x" * (rendering.QR_MAX_TEXT + 1))}">')
    assert len(too_long.refused) == 1 and b"/Subtype /Image" not in too_long.pdf


def test_names_in_other_scripts_still_use_the_bundled_fonts(tmp_path):
    certificate = issued_to("ნინო", "Ժամկոչյան")
    data = certificate_pdf.render(certificate)
    assert "ნინო Ժամկոչյան" in pdf_text(data)
    fonts = pdf_info(data, tmp_path, "pdffonts").splitlines()[2:]
    assert {line.split("+")[1].split()[0] for line in fonts} <= {
        "Certificate-Sans", "Certificate-Sans-Bold", "Certificate-Serif-Bold",
        "Certificate-Sans-Extended", "Certificate-Sans-Extended-Bold", "Certificate-Serif-Extended-Bold"}, fonts
    assert any("Extended" in line for line in fonts), "the full DejaVu faces, after the Latin-Greek-Cyrillic cuts"


@pytest.mark.parametrize("hostile", [IMG_FILE, IMG_METADATA, ATTACHMENT])
def test_hostile_names_render_as_text_and_fetch_or_embed_nothing(hostile, tmp_path):
    society = factories.society(name=f"Society {hostile}")
    certificate = issued_to("Mallory", hostile[:90], society=society)
    rendered = render_with_log(certificate)
    text = pdf_text(rendered.pdf)
    assert hostile[:40] in text.replace("\n", " "), "shown as the literal text"
    assert "0 embedded files" in embedded_files(rendered.pdf, tmp_path)
    assert rendered.refused == [], "no fetch of anything outside the package was even attempted"
    assert rendered.fetched and all(url.startswith(rendering.BASE_URL) for url in rendered.fetched)
    assert b"root:x:0:0" not in rendered.pdf


def test_the_fetcher_refuses_everything_but_the_packages_static_files(tmp_path):
    """Even unescaped markup cannot reach a file, the network or an attachment."""
    html = (f"<p>x</p>{IMG_FILE}{IMG_METADATA}{ATTACHMENT}"
            '<link rel=stylesheet href="../services/certificates/rendering.py"><img src="fonts/../../__init__.py">'
            '<img src="data:image/svg+xml;base64,PHN2Zy8+"><img src="logos/emblem.svg">')
    rendered = rendering.render_pdf(html)
    assert "0 embedded files" in embedded_files(rendered.pdf, tmp_path)
    assert rendered.fetched == [rendering.BASE_URL + "logos/emblem.svg"]
    assert "file:///etc/passwd" in rendered.refused and any("169.254.169.254" in url for url in rendered.refused)
    assert len(rendered.refused) == 6
    fetcher = rendering.make_fetcher()
    for url in ("file:///etc/passwd", "http://example.org/x.css", "ftp://example.org/f",
                rendering.BASE_URL + "../config.py", rendering.BASE_URL + "fonts/missing.ttf",
                "file://evil.example/" + str(rendering.STATIC_DIR / "app.css")):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(rendering.BASE_URL + "fonts/DejaVuSans.ttf").read()[:4] == b"\x00\x01\x00\x00"


def test_a_huge_document_is_refused_and_a_slow_one_is_stopped_in_time():
    with pytest.raises(rendering.RenderRefused):
        rendering.render_pdf("<p>" + "A" * (rendering.MAX_HTML_BYTES + 1))
    slow = "<table>" + "<tr><td>cell</td><td>cell</td><td>cell</td></tr>" * 5000 + "</table>"
    assert len(slow) < rendering.MAX_HTML_BYTES
    with pytest.raises(rendering.RenderTimeout):
        rendering.render_pdf(slow, time_limit=0.2)
    # The renderer is started again for the next document.
    assert rendering.render_pdf("<p>after</p>", time_limit=30).pdf.startswith(b"%PDF")


def test_overlong_signatory_lists_are_cut_to_what_a_certificate_can_hold():
    society = factories.society(certificate_signatories="\n".join(f"Name {i}, {'Title ' * 80}" for i in range(50)))
    frozen = certificate_pdf.snapshot_of(issued_to("Sam", "Signer", society=society))
    assert len(frozen["signatories"]) == 4 and all(len(s["title"]) <= 160 for s in frozen["signatories"])


# -- digital signature -----------------------------------------------------------------

def self_signed(tmp_path, common_name="Test Balint Society"):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    p12 = tmp_path / "society.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"society", key, cert, None, serialization.BestAvailableEncryption(b"s3cret-passphrase")))
    key_path, cert_path = tmp_path / "society.key", tmp_path / "society.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return p12, key_path, cert_path, cert.public_bytes(serialization.Encoding.DER)


def validate(pdf: bytes, trusted_der: bytes):
    from io import BytesIO

    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(trusted_der)])
    from society.services.certificates.signing import outside_event_loop

    # Playwright's session-wide browser runs an event loop in this thread; pyHanko starts its own.
    return outside_event_loop(lambda: validate_pdf_signature(reader.embedded_signatures[0], context))


@pytest.mark.parametrize("form", ["pkcs12", "key_and_cert"])
def test_a_society_with_a_signing_key_gets_signed_certificates(app, tmp_path, monkeypatch, form):
    p12, key_path, cert_path, der = self_signed(tmp_path)
    society = factories.society()
    settings = ({"pkcs12": str(p12), "passphrase": "s3cret-passphrase"} if form == "pkcs12"
                else {"key": str(key_path), "cert": str(cert_path)})
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING", {society.code: settings})
    certificate = issued_to("Signe", "Signed", society=society)
    pdf = certificate_pdf.render(certificate)
    status = validate(pdf, der)
    assert status.intact and status.valid and status.trusted and status.bottom_line, status.pretty_print_details()
    assert status.signer_reported_dt is not None
    assert "Signe Signed" in pdf_text(pdf)

    unsigned = certificate_pdf.render(issued_to("Una", "Unsigned"))  # another society: not configured
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    assert PdfFileReader(BytesIO(unsigned)).embedded_signatures == []


def test_signing_settings_come_from_the_environment():
    from society.config import signing_settings

    env = {"CERTIFICATE_SIGNING_SBS_PKCS12": "/keys/sbs.p12", "CERTIFICATE_SIGNING_SBS_PASSPHRASE": "pw",
           "CERTIFICATE_SIGNING_UK_BS_KEY": "/keys/uk.key", "CERTIFICATE_SIGNING_UK_BS_CERT": "/keys/uk.crt",
           "CERTIFICATE_SIGNING_DBG_OTHER": "ignored", "UNRELATED": "x"}
    assert signing_settings(env) == {"SBS": {"pkcs12": "/keys/sbs.p12", "passphrase": "pw"},
                                     "UK_BS": {"key": "/keys/uk.key", "cert": "/keys/uk.crt"}}


def test_a_tampered_signed_certificate_fails_validation(app, tmp_path, monkeypatch):
    p12, _key, _cert, der = self_signed(tmp_path)
    society = factories.society()
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING", {society.code: {"pkcs12": str(p12), "passphrase": "s3cret-passphrase"}})
    pdf = certificate_pdf.render(issued_to("Tina", "Tamper", society=society))
    assert pdf.count(b"WeasyPrint") >= 1  # the producer, inside the signed byte range
    tampered = pdf.replace(b"WeasyPrint", b"WeasyPrinT", 1)
    status = validate(tampered, der)
    assert not status.intact and not status.bottom_line
