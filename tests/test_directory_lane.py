"""The API front builds a plain directory page itself (``api.front.Lane``) when it keeps no answer for it:
the same bytes and headers Flask's view sends, without the request hooks."""
import pytest
from flask import request, request_started
from flask.testing import FlaskClient

from society.extensions import db
from society.models import Group, GroupAudience

from . import factories
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
        built = client.get(URL + query)
        assert to_flask == [], f"{query}: Flask dispatched it"
        from_flask = with_cookie.get(URL + query)
        assert len(to_flask) == 1
        assert built.status_code == 200 and _answer(built) == _answer(from_flask), query


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


def test_a_write_is_seen_by_the_next_built_page(app, society, to_flask):
    group = led_group(society, name="Before")
    db.session.commit()
    client = FlaskClient(app)
    assert client.get(URL).get_json()["items"][0]["name"] == "Before"
    group.name = "After"
    db.session.commit()
    to_flask.clear()
    assert client.get(URL).get_json()["items"][0]["name"] == "After"
    assert to_flask == []
