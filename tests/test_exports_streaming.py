"""Every administrator list's export streams to its last line through a real HTTP server, with
and without a chosen language: the test client keeps one application context open around the
request, which hid exports that broke half-way once Flask had closed the request's session."""
import csv
import http.cookiejar
import io
import re
import urllib.parse
import urllib.request
from datetime import date

import pytest

from society.extensions import db
from society.models import Attendance, GroupSession

from . import factories

BERGS, OTHERS = 4, 3


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies and the form token of one logged-in administrator, over plain HTTP."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects)
        self.token = None

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read()  # raises IncompleteRead on a body cut short

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode({**data, "csrf_token": self.token}).encode()
        try:
            with self.opener.open(self.base_url + path, body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as answer:  # the 302 that NoRedirects leaves unfollowed
            return answer.code

    def log_in(self, email: str) -> None:
        _status, page = self.get("/auth/login")
        self.token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        assert self.post("/auth/login", {"email": email, "password": factories.PASSWORD}) == 302


@pytest.fixture
def registry(society):
    """A society whose every list has rows: members (some named Berg), groups with sessions and
    a worded flag, records, accreditations and certificates. Committed: the server reads them."""
    admin = factories.user(role="admin", society=society, email="streaming-admin@example.org")
    people = [factories.member_person(society, given_name="Karin", family_name="Berg", email=f"berg{i}@example.org")
              for i in range(BERGS)]
    people += [factories.member_person(society, given_name="Olle", family_name="Ek", email=f"ek{i}@example.org")
               for i in range(OTHERS)]
    group = factories.group(society, name="Balintgrupp Lund")
    for held in (date(2026, 1, 5), date(2026, 1, 19), date(2026, 2, 2)):
        session = GroupSession(group_id=group.id, held_on=held, minutes=90, format="in_person")
        db.session.add(session)
        db.session.flush()
        db.session.add(Attendance(session_id=session.id, person_id=people[0].id))
    factories.flag(society, subject_id=group.id, cause="too_few_participants")
    factories.flag(society, kind="group_unaccredited", subject_id=group.id, cause="no-accredited-leader")
    for person in people[:2]:
        factories.training_record(person, group_id=group.id)
    certificate_holder = factories.granted_accreditation(people[0], society)
    factories.certificate(certificate_holder)
    db.session.commit()
    return {"admin": admin, "group": group, "person": people[0]}


def exports(registry) -> list[tuple[str, int]]:
    """Each export's address and the number of rows its list shows."""
    return [
        ("/admin/members/export.csv", BERGS + OTHERS),
        ("/admin/members/export.csv?q=berg", BERGS),  # a search word of three letters or more
        ("/admin/members/export.csv?q=be", BERGS),  # a shorter one
        ("/admin/members/export.csv?q=gp", BERGS + OTHERS),  # a profession's label, worded in the reader's language
        ("/admin/flags/export.csv", 2),
        ("/admin/flags/export.csv?kind=group_norms", 1),
        ("/admin/groups/export.csv", 1),
        ("/admin/groups/export.csv?q=lund", 1),
        (f"/groups/{registry['group'].id}/sessions/export.csv", 3),
        ("/admin/records/export.csv?status=all", 2),
        (f"/admin/records/people/{registry['person'].id}/export.csv", 1),
        ("/admin/accreditations/export.csv?status=granted", 1),
        ("/admin/certificates/export.csv?q=berg", 1),
        ("/admin/audit/export.csv?action=export", None),  # grows with each download: complete, not counted
    ]


def read_to_the_end(browser: Browser, path: str, headers: dict | None = None) -> list[list[str]]:
    status, body = browser.get(path, headers)
    assert status == 200, path
    text = body.decode()
    assert text.endswith("\r\n"), f"{path} stopped half-way: {text[-200:]!r}"
    rows = list(csv.reader(io.StringIO(text)))
    assert all(len(row) == len(rows[0]) for row in rows), path
    return rows[1:]


@pytest.mark.parametrize("language", [None, "sv", "en"])
def test_every_export_streams_to_its_last_line_through_a_real_server(live_server, registry, language):
    browser = Browser(live_server.url)
    browser.log_in(registry["admin"].email)
    if language:
        assert browser.post("/language", {"lang": language, "next": "/"}) == 302
    for path, shown in exports(registry):
        rows = read_to_the_end(browser, path)
        if shown is not None:
            assert len(rows) == shown, path


def test_exports_word_their_rows_in_the_browsers_language_when_none_is_chosen(live_server, registry):
    browser = Browser(live_server.url)
    browser.log_in(registry["admin"].email)
    swedish = {"Accept-Language": "sv"}
    flags = {row[2]: row[7] for row in read_to_the_end(browser, "/admin/flags/export.csv", swedish)}
    assert flags["group_unaccredited"] == "Ingen av gruppens ledare har en giltig ackreditering."
    assert len(read_to_the_end(browser, "/admin/members/export.csv?q=berg", swedish)) == BERGS


def test_an_administrator_with_a_person_of_their_own_exports_in_their_chosen_language(live_server, registry, society):
    # The language chosen from the menu is kept on the account (users.language) and read while streaming.
    person = factories.member_person(society, language="en", email="clerk@example.org")
    factories.user(role="admin", society=society, person=person, email="clerk-admin@example.org", language="sv")
    db.session.commit()
    browser = Browser(live_server.url)
    browser.log_in("clerk-admin@example.org")
    flags = {row[2]: row[7] for row in read_to_the_end(browser, "/admin/flags/export.csv")}
    assert flags["group_unaccredited"] == "Ingen av gruppens ledare har en giltig ackreditering."
    assert len(read_to_the_end(browser, "/admin/members/export.csv?q=berg")) == BERGS
