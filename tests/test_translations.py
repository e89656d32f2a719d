"""The Swedish interface: pages, forms and e-mails in Swedish, a catalogue with nothing left
untranslated, a compiled catalogue that matches its source, and names kept out of the markup."""
import re
from datetime import date
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from society.services.flags import reminders

from . import factories

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "society" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def key(message) -> tuple:
    msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
    context = message.context.decode() if isinstance(message.context, bytes) else message.context  # read_mo gives bytes
    return context, msgid


def forms(message) -> tuple:
    return tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)


def in_swedish(client) -> None:
    response = client.post("/language", data={"lang": "sv", "next": "/"})
    assert response.status_code == 302


def text(response) -> str:
    return response.get_data(as_text=True)


# -- what a Swedish user sees ------------------------------------------------------------

def test_an_admin_who_picks_swedish_gets_the_dashboard_in_swedish(admin_client):
    assert "Needs attention" in text(admin_client.get("/admin/"))
    in_swedish(admin_client)
    page = text(admin_client.get("/admin/"))
    assert '<html lang="sv">' in page
    for words in ("Översikt", "Behöver åtgärdas", "Öppna flaggor", "Medlemmar per kategori", "Logga ut"):
        assert words in page, words
    assert "Needs attention" not in page and "Log out" not in page


def test_the_members_list_is_in_swedish(admin_client, society):
    factories.member(society, given_name="Karin", family_name="Lindqvist", profession="physiotherapist",
                     category="honorary")
    in_swedish(admin_client)
    page = text(admin_client.get("/admin/members/"))
    for words in ("Ny medlem", "Exportera dessa som CSV", "Sortera efter", "Yrke", "Inträde", "Fysioterapeut",
                  "Hedersmedlem", "1 hittade"):
        assert words in page, words
    assert "Lindqvist, Karin" in page
    assert "New member" not in page


def test_the_choice_of_language_can_be_undone(admin_client):
    in_swedish(admin_client)
    admin_client.post("/language", data={"lang": "en", "next": "/"})
    assert "Needs attention" in text(admin_client.get("/admin/"))


def test_public_pages_follow_the_browsers_language(client):
    swedish = {"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}
    login = text(client.get("/auth/login", headers=swedish))
    assert "Logga in" in login and "Vill du kontrollera ett certifikat?" in login
    verify = text(client.get("/verify", headers=swedish))
    assert "Kontrollera ett certifikat" in verify and "Certifikatnummer" in verify
    assert "Verify a certificate" in text(client.get("/verify"))


def test_form_errors_are_swedish_sentences_beside_their_fields(client):
    client.post("/language", data={"lang": "sv", "next": "/"})
    response = client.post("/auth/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    page = text(response)
    # Whole sentences: a lazily translated message is not split into letters.
    assert "Ange din e-postadress." in page and "Ange ditt lösenord." in page


def test_a_refused_log_in_is_explained_in_swedish(client, admin):
    client.post("/language", data={"lang": "sv", "next": "/"})
    page = text(client.post("/auth/login", data={"email": admin.email, "password": "not the password"}))
    assert "Fel e-postadress eller lösenord" in page


def test_a_page_that_does_not_exist_says_so_in_swedish(admin_client):
    in_swedish(admin_client)
    response = admin_client.get("/admin/members/999999")
    assert response.status_code == 404
    assert "Hittades inte" in text(response) and "Medlemmen finns inte." in text(response)


def test_a_leader_who_reads_swedish_gets_the_reminder_in_swedish(app):
    due = reminders.DueReminder(
        accreditation_id=1, lead_days=30, expires_on=date(2026, 9, 1), days_left=1, society_id=1,
        society_name="Svenska Balintsällskapet", society_language="sv", credential_title="Godkänd Balintgruppledare",
        email="karin@example.se", given_name="Karin", family_name="Berg", language="sv")
    to_leader, to_admins = reminders.compose(due, ["board@example.se"])
    assert to_leader.subject == "Din ackreditering som Godkänd Balintgruppledare löper ut 1 september 2026"
    assert "Hej Karin!" in to_leader.text and "om 1 dag." in to_leader.text  # the singular form
    assert "Med vänliga hälsningar" in to_leader.html
    assert "Ackrediteringen för Karin Berg" in to_admins.subject
    assert "påminnelsen 30 dagar före" in to_admins.text


# -- names stay text ---------------------------------------------------------------------

def test_a_name_inside_a_translated_sentence_is_escaped(admin_client, society):
    membership = factories.member(society, given_name="<b>x</b>", family_name="Berg")
    in_swedish(admin_client)
    page = text(admin_client.get(f"/admin/members/{membership.person_id}/edit"))
    assert "Redigera &lt;b&gt;x&lt;/b&gt; Berg" in page
    assert "<b>x</b>" not in page


# -- the catalogue -----------------------------------------------------------------------

def test_every_message_has_a_swedish_translation():
    untranslated, fuzzy = [], []
    for message in catalogue():
        if not message.id:
            continue
        if not all(form and form.strip() for form in forms(message)):
            untranslated.append(key(message))
        if message.fuzzy:
            fuzzy.append(key(message))
    assert not untranslated, f"translate these in {PO.name}: {untranslated}"
    assert not fuzzy, f"check and unmark these fuzzy entries: {fuzzy}"


def test_every_string_of_the_source_is_in_the_catalogue():
    """A string wrapped in the code but never extracted has no Swedish: run `make translations`."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    in_source = set()
    for _file, _line, msgid, _comments, context in extract_from_dir(str(ROOT), method_map, options_map, keywords):
        in_source.add((context, msgid[0] if isinstance(msgid, tuple) else msgid))
    in_catalogue = {key(message) for message in catalogue() if message.id}
    assert in_source - in_catalogue == set()


def test_translations_keep_every_placeholder():
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = forms(message)
        wanted = {p for msgid in ids for p in PLACEHOLDER.findall(msgid)}
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= wanted, key(message)
        # The plural form is the one that shows the number.
        assert set(PLACEHOLDER.findall(strings[-1])) == set(PLACEHOLDER.findall(ids[-1])), key(message)


def test_the_compiled_catalogue_matches_its_source():
    """The .mo the app reads is the .po compiled: `make translations` was run after the last edit."""
    with MO.open("rb") as handle:
        compiled = read_mo(handle)
    source = {(key(m), forms(m)) for m in catalogue() if m.id and not m.fuzzy}
    built = {(key(m), forms(m)) for m in compiled if m.id}
    assert built == source
