"""Swedish everywhere: numbers, amounts, units and dates through Babel, texts that are data in the
reader's language, the interface's language rule, and every main page free of the interface's English."""
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from society import formatting
from society.extensions import db
from society.models import (
    Accreditation, Certificate, Group, ImportBatch, PersonQualification, RuleSet, RuleSetVersion, Society, User,
)
from society.services.accreditation import rulesets
from society.services.flags import lapse
from society.services.platform import demo, webhooks

from . import demo_data, factories
from .conftest import markup_only

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "society" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
SWEDISH_BROWSER = {"Accept-Language": "sv-SE,sv;q=0.9"}
ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}


def text(response) -> str:
    return response.get_data(as_text=True)


def in_swedish(client) -> None:
    assert client.post("/language", data={"lang": "sv", "next": "/"}).status_code == 302


# -- the filters ------------------------------------------------------------------------

@pytest.mark.parametrize("locale, expected", [
    ("sv", ("2 timmar", "1 timme", "25 träffar", "1,5 timmar", "6 av 8", "19,5", "15 nov. 2026", "svenska")),
    ("en", ("2 hours", "1 hour", "25 sessions", "1.5 hours", "6 of 8", "19.5", "Nov 15, 2026", "Swedish")),
])
def test_units_counts_numbers_and_dates_read_as_the_readers_language_writes_them(locale, expected):
    with force_locale(locale):
        got = (formatting.format_units(Decimal("2.00"), "hour"), formatting.format_units(1, "hour"),
               formatting.format_units(25, "session"), formatting.format_units(Decimal("1.50"), "hour"),
               formatting.format_progress(Decimal("6.0"), Decimal("8.0")), formatting.format_number(Decimal("19.50")),
               formatting.format_day(date(2026, 11, 15)), formatting.language_name("sv"))
    assert got == expected


def test_an_amount_of_money_is_written_with_the_readers_currency_style():
    with force_locale("sv"):
        swedish = formatting.format_money(Decimal("450"), "SEK")
    with force_locale("en"):
        english = formatting.format_money(Decimal("450"), "SEK")
    assert swedish.replace("\xa0", " ") == "450,00 kr" and english.replace("\xa0", "") == "SEK450.00"


def test_a_moment_shows_the_day_in_the_one_date_style_and_a_short_time():
    with force_locale("sv"):
        assert formatting.format_moment(datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)) == "2 jan. 2026 03:04"


# -- the language rule ---------------------------------------------------------------------

def test_a_leader_whose_record_says_swedish_reads_an_english_browsers_language_until_they_choose(app, society):
    person = factories.person(given_name="Nils", family_name="Holm", email="nils@example.org", language="sv")
    factories.membership(person, society)
    user = factories.user(role="leader", person=person, email="nils.user@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, user.email)
    assert '<html lang="en">' in text(client.get("/portal/records", headers=ENGLISH_BROWSER))
    client.post("/language", data={"lang": "sv", "next": "/"})
    # The choice is kept on the account: a new session (another device) opens in Swedish too.
    again = app.test_client()
    factories.log_in(again, user.email)
    assert '<html lang="sv">' in text(again.get("/portal/records", headers=ENGLISH_BROWSER))
    assert db.session.get(User, user.id).language == "sv"


def test_until_someone_chooses_the_browser_decides(leader_client):
    assert '<html lang="sv">' in text(leader_client.get("/portal/records", headers=SWEDISH_BROWSER))
    assert '<html lang="en">' in text(leader_client.get("/portal/records", headers=ENGLISH_BROWSER))


def test_the_member_record_names_the_language(admin_client, society):
    membership = factories.member(society, given_name="Karin", family_name="Lindqvist")
    membership.person.language = "sv"
    db.session.commit()
    assert "<dd class=\"col-7\">Swedish</dd>" in text(admin_client.get(f"/admin/members/{membership.person_id}"))
    in_swedish(admin_client)
    assert "<dd class=\"col-7\">Svenska</dd>" in text(admin_client.get(f"/admin/members/{membership.person_id}"))


def test_dues_show_as_money_in_the_readers_style(admin_client, society):
    membership = factories.member(society)
    factories.dues(membership, 2026, amount=Decimal("450.00"), currency="SEK")
    db.session.commit()
    in_swedish(admin_client)
    assert "450,00\xa0kr" in text(admin_client.get(f"/admin/members/{membership.person_id}"))


# -- texts that are data -------------------------------------------------------------------

def test_a_shipped_rule_set_reads_in_swedish_with_english_as_the_fallback(admin_client, admin):
    rule_set = factories.frozen_rule_set(admin.society, "uk")
    version = factories.version_labelled(rule_set, "2023")
    db.session.commit()
    english = text(admin_client.get(f"/admin/rule-sets/versions/{version.id}"))
    assert "Co-lead at least 20 sessions with an accredited leader" in english
    in_swedish(admin_client)
    swedish = text(admin_client.get(f"/admin/rule-sets/versions/{version.id}"))
    assert "Samleda minst 20 träffar med en godkänd ledare" in swedish and "Godkänd Balintgruppledare (UK)" in swedish
    assert "Co-lead at least 20 sessions with an accredited leader" not in swedish
    assert "20 träffar" in swedish and "20 sessions" not in swedish


def test_an_administrator_writes_a_requirements_swedish_label_in_the_editor(admin_client, admin):
    rule_set = factories.frozen_rule_set(admin.society, "uk")
    requirement = factories.version_labelled(rule_set, "2023").requirements[0]
    db.session.commit()
    form = text(admin_client.get(f"/admin/rule-sets/requirements/{requirement.id}/edit"))
    assert 'name="label_sv"' in form and 'value="Gruppdeltagande: minst 20 träffar"' in form
    response = admin_client.post(f"/admin/rule-sets/requirements/{requirement.id}/edit", data={
        "clause": requirement.clause, "option": requirement.option, "label": requirement.label,
        "label_sv": "Deltagit i minst 20 träffar", "kind": requirement.kind, "unit": requirement.unit,
        "minimum": "20", "window_kind": "none"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(requirement), requirement.id).translations == {"sv": {"label": "Deltagit i minst 20 träffar"}}
    in_swedish(admin_client)
    assert "Deltagit i minst 20 träffar" in text(admin_client.get(f"/admin/rule-sets/versions/{requirement.version_id}"))


def test_clearing_a_translation_falls_back_to_the_stored_text():
    stored = {"sv": {"label": "Gammal", "note": "kvar"}, "de": {"label": "Alt"}}
    assert rulesets.with_translations(stored, {"sv": {"label": None}}) == {"sv": {"note": "kvar"}, "de": {"label": "Alt"}}
    assert rulesets.with_translations(None, {"sv": {"label": None}}) is None


# -- import row errors ----------------------------------------------------------------------

def test_import_row_errors_show_in_the_language_of_whoever_reads_them(admin_client, admin):
    header = "given_name,family_name,email,phone,profession,category,joined_on\n"
    rows = "Anna,Berg,not-an-address,,gp,full,2020-01-01\nBo,Ek,bo@example.se,,gp,full,2020-01-01\n" \
           "Cia,Ek,bo@example.se,,gp,full,2020-01-01\n"
    response = admin_client.post("/admin/imports/", data={
        "kind": "members", "file": (io.BytesIO((header + rows).encode()), "members.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    batch_id = db.session.scalar(select(ImportBatch.id).order_by(ImportBatch.id.desc()))
    while db.session.get(ImportBatch, batch_id).status in ("uploaded", "validating"):
        admin_client.post(f"/admin/imports/{batch_id}/step")
        db.session.expire_all()
    english = text(admin_client.get(f"/admin/imports/{batch_id}"))
    assert "Not a valid email address." in english and "Also on row 3" in english
    in_swedish(admin_client)
    swedish = text(admin_client.get(f"/admin/imports/{batch_id}"))
    assert "Inte en giltig e-postadress." in swedish and "Not a valid email address." not in swedish
    assert "Also on row 3" not in swedish


# -- every main page, in Swedish ------------------------------------------------------------

class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside scripts and styles, plus titles and placeholders."""

    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def interface_english() -> list[str]:
    """The interface's own English: messages of the catalogue whose Swedish differs, that read as
    English sentences or phrases (two words or more, no placeholders)."""
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    phrases = set()
    for message in catalogue:
        msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        string = message.string[0] if isinstance(message.string, (tuple, list)) else message.string
        if not msgid or "%" in msgid or "{" in msgid or string == msgid:
            continue
        if len(re.findall(r"[A-Za-z]+", msgid)) >= 2 and re.fullmatch(r"[A-Za-z ,.'?:;()-]+", msgid):
            phrases.add(msgid.strip())
    return sorted(phrases, key=len, reverse=True)


ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


# Pages where an ISO day is data, not interface: the audit trail's old and new values, and the
# import page's description of the CSV format.
ISO_IS_DATA = ("/admin/audit", "/admin/imports/")


def english_on(html: str, phrases: list[str], url: str = "") -> list[str]:
    """The interface's English phrases on the page, and any day not in the one date style."""
    seen = visible(html)
    found = [p for p in phrases if re.search(r"(?<![\w-])" + re.escape(p) + r"(?![\w-])", seen)]
    return found + ([] if url in ISO_IS_DATA else ISO_DAY.findall(seen))


def main_pages(society: Society) -> dict[str, list[str]]:
    group = db.session.scalar(select(Group).where(Group.society_id == society.id).order_by(Group.id))
    person = group.leaders[0].person
    accreditation = db.session.scalar(select(Accreditation).join(RuleSetVersion).join(RuleSet)
                                      .where(RuleSet.society_id == society.id).order_by(Accreditation.id))
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.society_id == society.id))
    version = rule_set.versions[0]
    certificate = db.session.scalar(select(Certificate).order_by(Certificate.id))
    admin = ["/admin/", "/admin/members/", f"/admin/members/{person.id}", "/admin/groups/", f"/admin/groups/{group.id}",
             f"/groups/{group.id}/sessions", "/admin/accreditations/", f"/admin/accreditations/{accreditation.id}",
             f"/admin/accreditations/{accreditation.id}/progress", "/admin/rule-sets/", f"/admin/rule-sets/{rule_set.id}",
             f"/admin/rule-sets/versions/{version.id}", f"/admin/rule-sets/{rule_set.id}/edit",
             "/admin/records/", f"/admin/records/people/{person.id}", "/admin/flags/", "/admin/jobs/",
             "/admin/imports/", "/admin/audit", "/admin/certificates", "/admin/webhooks/", "/admin/supervisors/",
             f"/admin/records/people/{person.id}/import"]
    leader = ["/portal/progress", "/portal/records", "/portal/groups", "/portal/accreditations", "/portal/certificates",
              "/portal/records/new", "/portal/countersign", "/portal/qualifications"]
    public = ["/auth/login", "/verify", f"/verify/{certificate.number}"]
    return {"admin": admin, "leader": leader, "public": public}


@markup_only
def test_every_main_page_in_swedish_is_free_of_the_interfaces_english(app):
    demo_data.seed(12, today=date.today())
    sbs = db.session.scalar(select(Society).where(Society.code == "SBS"))
    lapse.scan(date.today(), society_id=sbs.id)
    webhooks.subscribe(sbs.id, "https://portal.example.org/hook", events=["group.changed"])
    webhooks.emit("group.changed", [(sbs.id, {"group": {"id": 1}})])  # a delivery waiting on the webhooks page
    # Qualifications, verified and not, on the member's record and in the leader's portal (written
    # without the audit hook: the history's raw data holds ISO days, as data).
    demo_leader = db.session.scalar(select(User).where(User.email == demo.DEMO_LOGINS["leader"][0])).person
    shown = db.session.scalar(select(Group).where(Group.society_id == sbs.id).order_by(Group.id)).leaders[0].person
    verifier = db.session.scalar(select(User.id).where(User.role == "admin"))
    for person_id in {demo_leader.id, shown.id}:
        db.session.execute(PersonQualification.__table__.insert(), [
            dict(person_id=person_id, code="psychotherapy", obtained_on=date(2015, 6, 1), version_id=1,
                 evidence_path="evidence/none.pdf", evidence_name="intyg.pdf", verified_at=None, verified_by_id=None),
            dict(person_id=person_id, code="psychiatry_specialist", obtained_on=date(2012, 1, 1), version_id=1,
                 evidence_path=None, evidence_name=None, verified_at=datetime.now(timezone.utc),
                 verified_by_id=verifier)])
    db.session.commit()
    phrases = interface_english()
    assert len(phrases) > 300  # the list is the catalogue's, not a hand-picked few
    logins = {"admin": demo.DEMO_LOGINS["admin"], "leader": demo.DEMO_LOGINS["leader"], "public": None}
    found = {}
    for role, urls in main_pages(sbs).items():
        client = app.test_client()
        if logins[role]:
            factories.log_in(client, *logins[role])
        in_swedish(client)
        for url in urls:
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, (url, response.status_code)
            page = text(response)
            assert '<html lang="sv">' in page, url
            english = english_on(page, phrases, url)
            if english:
                found[url] = english
    assert found == {}
    # The detector does see English: the same dashboard in English is full of it.
    english = app.test_client()
    factories.log_in(english, *logins["admin"])
    english.post("/language", data={"lang": "en", "next": "/"})
    assert len(english_on(text(english.get("/admin/")), phrases)) >= 3


def test_the_leaders_progress_shows_the_rule_sets_texts_in_swedish(app):
    demo_data.seed(12, today=date.today())
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, *demo.DEMO_LOGINS["trainee"])
    in_swedish(client)
    page = visible(text(client.get("/portal/progress")))
    sbs = db.session.scalar(select(RuleSet).where(RuleSet.code == "se-ledare"))
    for requirement in sbs.versions[0].requirements:
        if requirement.applies_if is None:
            assert requirement.translations["sv"]["label"] in page
            assert requirement.label not in page
    assert not re.search(r"\d \d+ (sessions|hours)\b|\d\.\d", page)  # no English units, no decimal points


def test_a_certificate_names_the_credential_in_its_own_language(society):
    from society.services.certificates import issuing

    rule_set = factories.frozen_rule_set(society, "uk")
    accreditation = factories.accreditation(factories.person(), factories.version_labelled(rule_set, "2023"),
                                            status="granted", granted_on=date(2025, 1, 1))
    assert issuing.snapshot(accreditation, "X", date(2025, 1, 2), "sv")["credential"] == "Godkänd Balintgruppledare (UK)"
    assert issuing.snapshot(accreditation, "X", date(2025, 1, 2), "en")["credential"] == "Accredited Balint Group Leader"


def test_a_reminder_names_the_credential_in_the_language_of_its_reader(app):
    from society.services.flags import reminders

    due = reminders.DueReminder(
        accreditation_id=1, lead_days=30, expires_on=date(2026, 9, 1), days_left=30, society_id=1,
        society_name="The Balint Society", society_language="en", credential_title="Accredited Balint Group Leader",
        email="karin@example.se", given_name="Karin", family_name="Berg", language="sv",
        credential_translations={"sv": {"credential_title": "Godkänd Balintgruppledare (UK)"}})
    to_leader, to_admins = reminders.compose(due, ["board@example.org"])
    assert "Godkänd Balintgruppledare (UK)" in to_leader.subject and "Godkänd Balintgruppledare (UK)" in to_leader.text
    assert "Accredited Balint Group Leader" in to_admins.text
