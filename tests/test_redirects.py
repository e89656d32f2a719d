"""The language switch and the log-in send the browser only to a path of this site."""
import pytest

from society.redirects import same_site_path

from .factories import PASSWORD

# What a browser would read as another host (it drops tabs and newlines, reads "\" as "/"),
# a scheme, or a header that cannot be sent.
OFF_SITE = ["/\t/evil.example", "/\n/x", "/\r\n/evil.example", "//evil.example", "/\\evil.example",
            "\\\\evil.example", " //evil.example", "https://evil.example/", "javascript:alert(1)",
            "evil.example", "/\x00/evil.example", "///evil.example"]


@pytest.mark.parametrize("target", [t for t in OFF_SITE if "\x00" not in t])
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.post("/language", data={"lang": "sv", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_nul_byte_in_the_next_address_is_refused_before_any_redirect(client):
    # Control characters never reach a view (schemas/limits.py): a 400 that names the field.
    response = client.post("/language", data={"lang": "sv", "next": "/\x00/evil.example"})
    assert response.status_code == 400 and "next" in response.get_data(as_text=True)
    assert "Location" not in response.headers


def test_the_language_switch_returns_to_the_page_it_was_used_on(client):
    response = client.post("/language", data={"lang": "sv", "next": "/verify?number=SBS-1"})
    assert response.headers["Location"] == "/verify?number=SBS-1"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/x", "/\\evil.example"])
def test_the_log_in_never_sends_the_user_off_site(client, admin, target):
    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE + [None, ""])
def test_only_plain_paths_are_same_site(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", ["/", "/admin/members?q=Berg&page=2", "/portal/progress#top", "/a//b"])
def test_plain_paths_are_kept_as_they_are(target):
    assert same_site_path(target) == target
