"""Numbers that agree: every count on the dashboard is the number of rows of the list it links to,
on the demo data (the lists' CSV exports hold every row of the same filters)."""
import re
from datetime import date, datetime, timezone
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import Flag
from society.services.flags import lapse
from society.services.platform import demo

from . import demo_data, factories

TODAY = date.today()


@pytest.fixture
def demo_admin(app):
    demo_data.seed(40, today=TODAY)
    lapse.scan(TODAY)
    # An acknowledged flag is still open but has left the inbox's "open" tab.
    flag = db.session.scalars(select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.id)).first()
    flag.acknowledged_at, flag.acknowledgement_note = datetime.now(timezone.utc), "Seen"
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, *demo.DEMO_LOGINS["admin"])
    return client


def tiles(client) -> dict[str, tuple[int, str]]:
    """{key: (count shown, link)} of every count on the dashboard."""
    html = client.get("/admin/").get_data(as_text=True)
    found = {}
    for key, count, href in re.findall(
            r'data-attention="(\w+)"[^>]*>.*?data-count="(\d+)".*?href="([^"]+)"', html, re.S):
        found[key] = (int(count), unescape(href))
    for key, count, href in re.findall(r'data-attention="(\w+)" data-count="(\d+)"><a href="([^"]+)"', html):
        found[key] = (int(count), unescape(href))
    return found


def rows_of_list(client, link: str) -> int:
    """The rows of the list behind ``link``: its CSV export with the same filters, less the header."""
    url = urlsplit(link)
    export = url.path.rstrip("/") + "/export.csv" + (f"?{url.query}" if url.query else "")
    response = client.get(export)
    assert response.status_code == 200, export
    return len(response.get_data(as_text=True).strip().splitlines()) - 1


@pytest.fixture
def shown(demo_admin):
    return tiles(demo_admin)


def test_the_dashboard_shows_every_count_with_its_link(shown):
    assert set(shown) == {"open_flags", "pending_records", "applications", "dues_overdue", "dues_lapsed"}


@pytest.mark.parametrize("key", ["open_flags", "pending_records", "applications", "dues_overdue", "dues_lapsed"])
def test_each_dashboard_count_is_the_number_of_rows_of_the_list_it_links_to(demo_admin, shown, key):
    count, link = shown[key]
    assert count == rows_of_list(demo_admin, link), (key, link)
    if key in ("open_flags", "applications", "dues_overdue", "dues_lapsed"):
        assert count > 0, key  # the demo has some of each: the comparison says something


def test_the_member_list_states_the_same_totals_as_its_tiles(demo_admin, shown):
    for key in ("dues_overdue", "dues_lapsed"):
        count, link = shown[key]
        html = demo_admin.get(link).get_data(as_text=True)
        assert f"{count} found" in html, key
