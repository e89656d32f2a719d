"""The public group finder: search without logging in, a group's page, "contact the leaders" relayed by
e-mail (time token, honeypot, rate limit), and the embeddable variant's frame-ancestors."""
import re
import time as time_module
from datetime import time

import pytest

from society.extensions import db
from society.services.groups import finder

from . import demo_data, factories
from .conftest import make_app
from .mailbox import free_port, mail_on, smtp_server  # noqa: F401 - fixtures


@pytest.fixture
def groups(society):
    gp_leader = factories.person(given_name="Greta", family_name="Lund", email="greta@example.se", profession="gp")
    co_leader = factories.person(given_name="Carl", family_name="Berg", email="carl@example.se", profession="psychiatrist")
    umea = factories.group(society, name="Umeå GPs", city="Umeå", audiences=["gp"], accepting_members=True,
                           open_places=2, setting="primary_care", rhythm="weekly", meeting_weekday=2,
                           meeting_time=time(17, 30), timezone="Europe/Stockholm", address="Hälsocentralen Ersboda")
    factories.group_leader(umea, gp_leader)
    factories.group_leader(umea, co_leader, role="co_leader")
    nurses = factories.group(society, name="Umeå nurses", city="Umeå", audiences=["nurse"], accepting_members=True)
    factories.group_leader(nurses, factories.person(email="nina@example.se"))
    lund = factories.group(society, name="Lund GPs", city="Lund", audiences=["gp"], accepting_members=False)
    factories.group_leader(lund, factories.person(email="lars@example.se"))
    factories.group(society, name="Closed one", city="Umeå", status="closed")
    db.session.commit()
    return {"umea": umea, "nurses": nurses, "lund": lund}


def found(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<h2 class="h5 card-title"><a [^>]*>([^<]+)</a>', response.get_data(as_text=True))


def test_anyone_finds_groups_by_city_and_profession(client, groups):
    assert found(client.get("/find")) == ["Lund GPs", "Umeå GPs", "Umeå nurses"]
    assert found(client.get("/find?city=Umeå&profession=gp")) == ["Umeå GPs"]
    assert found(client.get("/find?open=y")) == ["Umeå GPs", "Umeå nurses"]
    assert found(client.get("/find?format=online")) == []
    # A value not understood is dropped, the rest still apply.
    assert found(client.get("/find?city=Lund&profession=wizard")) == ["Lund GPs"]


def test_the_finder_speaks_swedish(client, groups):
    page = client.get("/find?city=Umeå", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Hitta en Balintgrupp" in page
    assert "Hitta en Balintgrupp" in client.get("/find?lang=sv").get_data(as_text=True)


def test_a_group_page_shows_join_details_and_leaders_names_but_never_their_addresses(client, groups):
    page = client.get(f"/find/groups/{groups['umea'].id}").get_data(as_text=True)
    for text in ("Umeå GPs", "Hälsocentralen Ersboda", "Primary care centre", "2 open places", "Wednesday", "17:30",
                 "Greta Lund", "Carl Berg", "Contact the leaders", "Next sessions"):
        assert text in page, text
    for secret in ("greta@example.se", "carl@example.se"):
        assert secret not in page
    assert client.get("/find/groups/999999").status_code == 404


def opened_a_minute_ago(group) -> str:
    return finder.time_token(group.id, now=time_module.time() - 60)


def contact(client, group, *, started=None, **fields):
    form = {"name": "Ada Applicant", "email": "ada@example.org",
            "message": "I am a GP in Umeå and would like to join.", "started": started}
    form.update(fields)
    return client.post(f"/find/groups/{group.id}/contact", data={k: v for k, v in form.items() if v is not None})


def test_a_message_reaches_the_leaders_by_email_with_reply_to_the_sender(client, groups, mail_on):
    group = groups["umea"]
    response = contact(client, group, started=opened_a_minute_ago(group))
    assert response.status_code == 302
    assert mail_on.recipients() == ["carl@example.se", "greta@example.se"]
    message = mail_on.messages[0]
    assert message["Reply-To"] == "ada@example.org"
    assert "Umeå GPs" in message["Subject"]
    assert "I am a GP in Umeå" in message.get_body(preferencelist=("plain",)).get_content()
    assert "Your message has been sent" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_form_sent_too_fast_or_too_late_is_refused_and_kept(client, groups, mail_on):
    group = groups["umea"]
    too_fast = contact(client, group, started=finder.time_token(group.id, now=time_module.time()))
    assert too_fast.status_code == 422
    assert "very fast" in too_fast.get_data(as_text=True)
    assert "I am a GP in Umeå" in too_fast.get_data(as_text=True)  # what was typed comes back
    too_late = contact(client, group, started=finder.time_token(group.id, now=time_module.time() - 2 * 86400))
    assert too_late.status_code == 422 and "expired" in too_late.get_data(as_text=True)
    forged = contact(client, group, started="[1, 0].forged")
    assert forged.status_code == 422
    other_group = contact(client, group, started=opened_a_minute_ago(groups["lund"]))
    assert other_group.status_code == 422
    assert mail_on.messages == []


def test_a_filled_honeypot_looks_sent_but_nothing_is_sent(client, groups, mail_on):
    group = groups["umea"]
    response = contact(client, group, started=opened_a_minute_ago(group), website="http://spam.example")
    assert response.status_code == 302
    assert mail_on.messages == []


def test_the_contact_form_checks_its_fields(client, groups, mail_on):
    group = groups["umea"]
    response = contact(client, group, started=opened_a_minute_ago(group), email="not an address", message="")
    assert response.status_code == 422
    assert mail_on.messages == []


def test_the_contact_form_is_rate_limited_per_address(db_url, storage_dir, groups):
    app = make_app(db_url, storage_dir, RATELIMIT_ENABLED=True, FINDER_CONTACT_RATE_LIMIT="2 per hour")
    client = app.test_client()
    group = groups["umea"]
    statuses = [contact(client, group, started=opened_a_minute_ago(group), website="x").status_code
                for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert client.get(f"/find/groups/{group.id}").status_code == 200  # reading is not limited


def test_the_normal_pages_cannot_be_framed(client, groups):
    response = client.get("/find")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_embedded_finder_may_be_framed_by_the_societys_sites_only(client, groups, society):
    response = client.get(f"/find/embed/{society.code}")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]  # none named yet

    society.finder_frame_ancestors = "https://www.balint.se https://*.region.se"
    db.session.commit()
    response = client.get(f"/find/embed/{society.code}?city=Umeå&lang=sv")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.balint.se https://*.region.se;" in policy
    assert "script-src 'self'" in policy and "X-Frame-Options" not in response.headers
    page = response.get_data(as_text=True)
    assert "navbar" not in page and "Hitta en Balintgrupp" in page
    assert found(response) == ["Umeå GPs", "Umeå nurses"]
    assert 'target="_blank"' in page
    assert client.get("/find/embed/NOPE").status_code == 404


def test_administrators_name_the_sites_that_may_embed_the_finder(admin_client, society):
    refused = admin_client.post("/admin/settings", data={"finder_frame_ancestors": "https://ok.example 'unsafe-inline'"})
    assert refused.status_code == 422
    assert "Up to ten site addresses" in refused.get_data(as_text=True)
    db.session.refresh(society)
    assert society.finder_frame_ancestors is None
    saved = admin_client.post("/admin/settings", data={"finder_frame_ancestors": " https://www.balint.se   https://x.example:8443 "})
    assert saved.status_code == 302
    db.session.refresh(society)
    assert society.finder_frame_ancestors == "https://www.balint.se https://x.example:8443"
    assert f"/find/embed/{society.code}" in admin_client.get("/admin/settings").get_data(as_text=True)


def test_the_finder_needs_no_login_and_only_lists_open_statuses(client, groups):
    page = client.get("/find?city=Umeå").get_data(as_text=True)
    assert "Closed one" not in page
    assert client.get(f"/find/groups/{groups['umea'].id}").status_code == 200
    closed = db.session.scalar(db.select(finder.Group).where(finder.Group.name == "Closed one"))
    assert client.get(f"/find/groups/{closed.id}").status_code == 404


def test_the_demo_groups_give_the_finder_something_real(client):
    from datetime import date


    demo_data.seed(40, today=date.today())
    db.session.commit()
    umea = found(client.get("/find?city=Umeå"))
    assert umea and all("Umeå" in name for name in umea)
    assert found(client.get("/find?open=y"))
    group_id = db.session.scalar(db.select(finder.Group.id).where(finder.Group.status == "active",
                                                                  finder.Group.format != "online").limit(1))
    page = client.get(f"/find/groups/{group_id}").get_data(as_text=True)
    assert 'id="upcoming-sessions"' in page and "Europe/Stockholm" in page


def test_a_language_asked_for_in_the_link_stays_on_the_next_pages(client, groups):
    assert "Hitta en Balintgrupp" in client.get("/find?lang=sv").get_data(as_text=True)
    page = client.get(f"/find/groups/{groups['umea'].id}").get_data(as_text=True)
    assert "Kontakta ledarna" in page
