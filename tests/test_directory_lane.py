"""The API front builds a plain directory page itself (``api.front.Lane``) when it keeps no answer for it:
the same bytes and headers Flask's view sends, without the request hooks."""
import pytest
from flask import request, request_started
from flask.testing import FlaskClient

from sqlalchemy import delete, select

from society.extensions import db
from society.models import DirectorySummary, Group, GroupAudience

from . import factories
from .queries import counting_queries
from .test_directory import URL, led_group

# Headers that describe one request, not the page: the count of the client's rate limit and the clock.
PER_REQUEST = ("date", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")

QUERIES = ["", "?page=2&per_page=2", "?accredited=true", "?accredited=false&per_page=1&page=2", "?city=Uppsala",
           "?audience=psychologist", "?status=closed", "?status=active&status=paused", "?per_page=100",
           "?page=9", "?q=Tues&accepting_members=true"]


@pytest.fixture
def groups(society):
    other = factories.society(code="UKX", name="Other society")
    for n, (city, status) in enumerate([("Uppsala", "active"), ("Umeå", "active"), ("Uppsala", "paused"),
                                        ("Lund", "closed"), ("Malmö", "forming")]):
        led_group(society if n % 2 else other, name=f"Tuesday group {n}", city=city, status=status,
                  accredited_leader=n != 2)
    first = db.session.scalars(db.select(Group).order_by(Group.id)).first()
    db.session.add(GroupAudience(group_id=first.id, profession="psychologist"))
    db.session.commit()


@pytest.fixture
def to_flask(app):
    """The paths of the requests Flask dispatched (its request hooks ran)."""
    seen = []

    def note(sender, **_extra):
        seen.append(request.full_path)

    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


def _answer(response) -> tuple:
    headers = sorted((name.lower(), value) for name, value in response.headers.items()
                     if name.lower() not in PER_REQUEST)
    return response.status_code, headers, response.data


def test_a_plain_page_built_by_the_front_is_the_page_flask_sends(app, groups, to_flask):
    client, with_cookie = FlaskClient(app), FlaskClient(app)
    with_cookie.set_cookie("seen", "1")  # a cookie makes a request not plain: Flask answers it, every hook run
    client.get(URL)  # Flask answers the first: the front learns the headers its hooks add
    for query in QUERIES:
        to_flask.clear()
        from_flask = with_cookie.get(URL + query)  # and the worker keeps the version and the list's ids
        built = client.get(URL + query)
        assert to_flask == [URL + query if query else URL + "?"], f"{query}: Flask dispatched it"
        assert built.status_code == 200 and _answer(built) == _answer(from_flask), query


def test_a_filters_first_page_is_answered_by_flask_and_the_next_by_the_front(app, groups, to_flask):
    client = FlaskClient(app)
    client.get(URL)
    to_flask.clear()
    for page in (1, 2, 3):
        assert len(client.get(URL + f"?city=Uppsala&per_page=1&page={page}").get_json()["items"]) == (page < 3)
    # The view keeps the filter's ids; the front builds the next pages from them.
    assert to_flask == ["/api/v1/groups?city=Uppsala&per_page=1&page=1"]


def test_the_front_builds_pages_only_after_flask_has_answered_one(app, groups, to_flask):
    front = app.wsgi_app
    front._learnt.clear()
    client = FlaskClient(app)
    client.get(URL + "?page=1")
    client.get(URL + "?page=2&per_page=1")
    assert to_flask == ["/api/v1/groups?page=1"]


def test_refused_input_is_answered_by_flask_with_its_problem_details(app, groups, to_flask):
    client = FlaskClient(app)
    client.get(URL)
    to_flask.clear()
    for query, field in (("?page=0", "page"), ("?colour=blue", "colour"), ("?per_page=101", "per_page")):
        response = client.get(URL + query)
        assert response.status_code == 422 and response.content_type == "application/problem+json"
        assert field in response.get_json()["errors"]
    assert len(to_flask) == 3


def test_a_write_is_seen_by_the_next_page(app, society, to_flask):
    group = led_group(society, name="Before")
    db.session.commit()
    client = FlaskClient(app)
    assert client.get(URL).get_json()["items"][0]["name"] == "Before"
    assert client.get(URL + "?per_page=1").get_json()["items"][0]["name"] == "Before"
    group.name = "After"
    db.session.commit()  # in this worker: the version it kept is forgotten, Flask reads the new one
    to_flask.clear()
    assert client.get(URL + "?per_page=2").get_json()["items"][0]["name"] == "After"
    assert client.get(URL + "?per_page=3").get_json()["items"][0]["name"] == "After"
    assert to_flask == ["/api/v1/groups?per_page=2"]


def test_the_front_reads_a_page_in_one_statement_and_leaves_a_page_to_build_to_the_view(app, groups, to_flask):
    client = FlaskClient(app)
    client.get(URL)  # the front learns the hooks' headers if no earlier test made it; the worker keeps the ids
    to_flask.clear()
    with counting_queries() as statements:
        page = client.get(URL + "?per_page=2&page=2")
    assert page.status_code == 200 and to_flask == []
    read = [s for s in statements if "directory_summaries" in s.lower()]
    assert len(read) == 1 and read[0].lstrip().upper().startswith("SELECT")  # the page's summaries, no write
    assert [item["name"] for item in page.get_json()["items"]] == ["Tuesday group 2", "Tuesday group 4"]

    # A summary missing from a page: the front lets the view build and store it, and answers it itself next.
    missing = db.session.scalars(select(Group.id).where(Group.name == "Tuesday group 4")).one()
    db.session.execute(delete(DirectorySummary).where(DirectorySummary.group_id == missing))
    db.session.commit()
    to_flask.clear()
    last = client.get(URL + "?per_page=1&page=4")
    assert to_flask == ["/api/v1/groups?per_page=1&page=4"]
    assert last.get_json()["items"] == page.get_json()["items"][1:]
    assert db.session.get(DirectorySummary, missing) is not None
    # Storing it was a commit in this worker: the next page reads the version again (through Flask), and
    # the front builds the pages after it with the summary now stored.
    to_flask.clear()
    assert client.get(URL + "?per_page=4").get_json()["items"][3] == last.get_json()["items"][0]
    assert client.get(URL + "?per_page=2&page=2").get_json()["items"][1] == last.get_json()["items"][0]
    assert to_flask == ["/api/v1/groups?per_page=4"]


def test_a_page_the_front_cannot_build_is_answered_by_flask(app, groups, to_flask, monkeypatch):
    from society.services.groups import summaries

    client = FlaskClient(app)
    client.get(URL)

    def fails(*_args, **_kwargs):
        raise RuntimeError("the front's read failed")

    monkeypatch.setattr(summaries, "stored", fails)
    to_flask.clear()
    response = client.get(URL + "?per_page=3")
    assert response.status_code == 200 and len(response.get_json()["items"]) == 3
    assert to_flask == ["/api/v1/groups?per_page=3"]
