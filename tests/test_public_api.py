"""The public API's shared machinery: revalidation, CORS, problem details, rate
limiting, the OpenAPI document and the reference page."""
from datetime import date, timedelta

import pytest
from flask import Blueprint, abort
from werkzeug.http import http_date, parse_date

from society.access import public
from society.extensions import db
from society.models import Group, GroupAudience
from society.services.platform import http_cache

from . import factories
from .conftest import make_app, markup_only
from .test_directory import accredit, led_group

URL = "/api/v1/groups"


@pytest.fixture
def fresh_app(db_url, storage_dir):
    """An app with settings of its own, on the test database."""
    return lambda **overrides: make_app(db_url, storage_dir, **overrides)


# -- caching and revalidation -----------------------------------------------------------

def test_every_get_carries_validators_and_public_cache_control(client, society):
    group = led_group(society)
    for url in (URL, f"{URL}/{group.id}", "/api/v1/societies"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["ETag"].startswith('W/"')
        assert parse_date(response.headers["Last-Modified"]) is not None
        assert response.headers["Cache-Control"] == "public, max-age=300"


def test_revalidation_with_the_etag_gets_304_until_the_data_changes(client, society):
    group = led_group(society, name="Before")
    first = client.get(URL)
    etag = first.headers["ETag"]
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(URL, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    group.name = "After"
    changed = client.get(URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.get_json()["items"][0]["name"] == "After"


def test_if_modified_since_gets_304_when_nothing_changed_since(client, society):
    led_group(society)
    first = client.get(URL)
    last_modified = first.headers["Last-Modified"]
    assert client.get(URL, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = http_date(parse_date(last_modified) - timedelta(seconds=1))
    assert client.get(URL, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    assert client.get(URL, headers={"If-Modified-Since": last_modified, "If-None-Match": '"x"'}).status_code == 200
    assert client.get(URL, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_the_etag_depends_on_the_query(client, society):
    led_group(society, format="online")
    plain, online = client.get(URL), client.get(URL, query_string={"format": "online"})
    assert plain.headers["ETag"] != online.headers["ETag"]
    # The same query spelled differently is the same representation.
    assert client.get(URL, query_string={"page": 1, "per_page": 20}).headers["ETag"] == plain.headers["ETag"]


@pytest.mark.parametrize("change", ["delete_leader", "replace_audience", "expire_accreditation", "add_certificate",
                                    "rename_leader", "new_group"])
def test_any_change_behind_a_group_changes_the_etag(client, society, change):
    group = factories.group(society, audiences=["gp"])
    person = factories.person()
    assignment = factories.group_leader(group, person)
    accreditation = accredit(person, society)
    db.session.commit()
    etag = client.get(f"{URL}/{group.id}").headers["ETag"]
    if change == "delete_leader":
        db.session.delete(assignment)
    elif change == "replace_audience":
        group.audiences = [GroupAudience(profession="nurse")]
    elif change == "expire_accreditation":
        accreditation.expires_on = date.today() - timedelta(days=1)
    elif change == "add_certificate":
        factories.certificate(accreditation)
    elif change == "rename_leader":
        person.family_name = "Renamed"
    else:
        factories.group(society)
    assert client.get(f"{URL}/{group.id}", headers={"If-None-Match": etag}).status_code == 200


def test_the_etag_of_yesterday_does_not_hold_today(client, society, monkeypatch):
    led_group(society)
    yesterday = date.today() - timedelta(days=1)
    monkeypatch.setattr(http_cache, "today", lambda: yesterday)
    old = client.get(URL)
    monkeypatch.setattr(http_cache, "today", date.today)
    fresh = client.get(URL, headers={"If-None-Match": old.headers["ETag"],
                                     "If-Modified-Since": old.headers["Last-Modified"]})
    assert fresh.status_code == 200
    assert parse_date(fresh.headers["Last-Modified"]) >= http_cache.start_of(date.today())


def test_the_data_version_includes_the_day(society):
    led_group(society)
    today = date.today()
    tables = (Group,)
    assert http_cache.data_version(tables, today).token != http_cache.data_version(tables, today + timedelta(days=1)).token


def test_if_none_match_star_does_not_pretend_a_missing_group_exists(client, society):
    group = led_group(society)
    assert client.get(f"{URL}/{group.id}", headers={"If-None-Match": "*"}).status_code == 304
    assert client.get(f"{URL}/{group.id + 1}", headers={"If-None-Match": "*"}).status_code == 404


def test_the_openapi_document_is_revalidated_by_a_strong_etag(client):
    first = client.get("/api/v1/openapi.json")
    assert first.headers["ETag"].startswith('"')
    assert client.get("/api/v1/openapi.json", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_strong_copy_of_the_weak_etag_revalidates_too(client):
    """If-None-Match compares weakly (RFC 9110 13.1.2): the same opaque value, strong or weak, matches."""
    etag = client.get(URL).headers["ETag"]
    assert etag.startswith('W/"')
    assert client.get(URL, headers={"If-None-Match": etag[2:]}).status_code == 304
    assert client.get(URL, headers={"If-None-Match": etag[:-2] + 'x"'}).status_code == 200


def test_entity_tags_follow_their_parts():
    assert http_cache.entity_tag("a", 1) == http_cache.entity_tag("a", 1) != http_cache.entity_tag("a", 2)
    assert http_cache.entity_tag("a", weak=False).startswith('"')


def test_the_answer_cache_keeps_only_the_most_recent_entries():
    cache = http_cache.AnswerCache(size=2)
    for key in "abc":
        cache.put(key, http_cache.CachedAnswer(key.encode(), ()))
    assert cache.get("a") is None and cache.get("c").body == b"c" and len(cache) == 2


# -- CORS ------------------------------------------------------------------------------------

def test_cors_is_open_for_gets_and_errors(client, society):
    led_group(society)
    for response in (client.get(URL, headers={"Origin": "https://example.net"}), client.get(f"{URL}/999999"),
                     client.get(URL, query_string={"bogus": 1})):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
        assert "Link" in response.headers["Access-Control-Expose-Headers"]


def test_a_preflight_is_answered(client):
    response = client.options(URL, headers={"Origin": "https://example.net", "Access-Control-Request-Method": "GET",
                                            "Access-Control-Request-Headers": "If-None-Match"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_pages_for_people_get_no_cors_headers(client):
    assert "Access-Control-Allow-Origin" not in client.get("/auth/login").headers


# -- problem details -------------------------------------------------------------------------

def test_a_wrong_method_is_a_405_problem_naming_the_allowed_ones(client):
    response = client.post(URL)
    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["title"] == "Method Not Allowed"


def test_an_unknown_api_path_is_a_404_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_a_bad_request_under_the_api_is_a_400_problem(fresh_app):
    app = fresh_app()
    broken = Blueprint("broken_api", __name__, url_prefix="/api/v1/broken")
    broken.add_url_rule("/", "bad", public(lambda: abort(400, description="Nonsense in the request.")))
    app.register_blueprint(broken)
    response = app.test_client().get("/api/v1/broken/")
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert response.get_json()["detail"] == "Nonsense in the request."


def test_an_unexpected_error_is_a_500_problem_without_internals(fresh_app, monkeypatch):
    from society.services.groups import summaries

    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(summaries, "published_page", explode)
    app = fresh_app(PROPAGATE_UNEXPECTED=False)
    response = app.test_client().get(URL, query_string={"q": "unique-to-this-test"})
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 500
    assert "secret internals" not in response.get_data(as_text=True)


# -- rate limiting ------------------------------------------------------------------------------

def test_rate_limit_per_client_address_answers_429_problem_with_retry_after(fresh_app):
    # The third request repeats the first: the answer front hands it to Flask for the 429.
    app = fresh_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")
    client = app.test_client()
    first = client.get(URL)
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/api/v1/societies").status_code == 200  # one budget for the whole API
    limited = client.get(URL)
    assert limited.status_code == 429
    assert limited.content_type == "application/problem+json"
    assert limited.get_json()["status"] == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Access-Control-Allow-Origin"] == "*"
    other_address = client.get(URL, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_address.status_code == 200


def test_rate_limiting_is_off_in_tests_unless_turned_on(client):
    for _ in range(5):
        response = client.get("/api/v1/societies")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


# -- the OpenAPI document and the reference page ------------------------------------------------------

def test_the_openapi_document_is_valid_and_publishes_nothing_personal(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert {"/api/v1/groups", "/api/v1/groups/{group_id}", "/api/v1/societies"} <= set(spec["paths"])
    properties = set()
    for schema in spec["components"]["schemas"].values():
        properties |= set(schema.get("properties", {}))
    assert not properties & {"email", "phone", "participants", "given_name", "family_name", "person_id"}
    group_response = spec["paths"]["/api/v1/groups"]["get"]["responses"]
    assert "application/problem+json" in spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert {"Link", "X-Pagination", "ETag", "Last-Modified"} <= set(group_response["200"]["headers"])
    assert spec["components"]["schemas"]["Group"]["additionalProperties"] is False


def test_the_api_reference_page_is_served_from_the_package(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "/static/api-docs.js" in html
    assert "https://" not in html and "<script>" not in html
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
                  "/static/api-docs.js"):
        served = client.get(asset)
        assert served.status_code == 200
        served.close()


def test_the_login_page_links_the_api_reference(client):
    assert 'href="/api/v1/docs"' in client.get("/auth/login").get_data(as_text=True)


@pytest.mark.browser
@markup_only
def test_the_api_reference_renders_under_the_csp(page):
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/api/v1/docs")
    page.wait_for_selector("text=List groups")
    assert page.locator(".opblock").count() >= 3
    assert problems == []


# -- the answer front ------------------------------------------------------------------------------

@pytest.fixture
def front(app, monkeypatch):
    """The app's AnswerFront, counting the requests it hands on to Flask."""
    from society.api import AnswerFront

    layer = app.wsgi_app
    assert isinstance(layer, AnswerFront)
    monkeypatch.setitem(app.config, "API_DATA_VERSION_REUSE_SECONDS", 60)
    layer.entries.clear()
    monkeypatch.setattr(layer, "_learnt", {})  # as in a new worker: Flask answers an endpoint's first page
    to_flask = []
    inner = layer.wsgi_app
    monkeypatch.setattr(layer, "wsgi_app", lambda environ, start: to_flask.append(environ["PATH_INFO"]) or inner(environ, start))
    return to_flask


def test_a_repeated_plain_get_is_answered_before_flask_with_the_same_bytes_and_headers(app, society, front):
    from flask.testing import FlaskClient

    group = led_group(society, name="Before")
    db.session.commit()
    client = FlaskClient(app)  # commits nothing between requests, like a real worker
    first, second = client.get(URL), client.get(URL)
    assert len(front) == 1
    assert second.data == first.data and second.headers.to_wsgi_list() == first.headers.to_wsgi_list()
    # A write committed in this process is seen at once: Flask reads the new version and builds the page.
    group.name = "After"
    db.session.commit()
    assert client.get(URL).get_json()["items"][0]["name"] == "After"
    assert len(front) == 2


def test_answers_repeated_before_flask_still_count_against_the_rate_limit(fresh_app, society):
    from flask.testing import FlaskClient

    from society.api import AnswerFront

    led_group(society)
    db.session.commit()
    app = fresh_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute", API_DATA_VERSION_REUSE_SECONDS=60)
    layer = app.wsgi_app
    assert isinstance(layer, AnswerFront)
    to_flask = []
    inner = layer.wsgi_app
    layer.wsgi_app = lambda environ, start: to_flask.append(environ["PATH_INFO"]) or inner(environ, start)
    client = FlaskClient(app)
    answers = [client.get(URL) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(to_flask) == 1  # the second and third came from the front...
    # ... yet each was counted, with fresh headers rather than the first answer's.
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert all(a.headers.getlist("X-RateLimit-Limit") == ["3"] for a in answers)
    assert answers[2].data == answers[0].data
    limited = client.get(URL)
    assert limited.status_code == 429 and limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get(URL, environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200


def test_conditional_cookie_and_failed_requests_go_through_flask(app, society, front):
    from flask.testing import FlaskClient

    led_group(society)
    db.session.commit()
    client = FlaskClient(app)
    etag = client.get(URL).headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    client.get(URL, query_string={"bogus": 1})
    client.get(URL, query_string={"bogus": 1})
    client.set_cookie("session", "x")
    client.get(URL)
    assert len(front) == 5


def test_a_version_stops_being_current_on_a_commit_or_another_day(society):
    led_group(society)
    db.session.commit()
    today = date.today()
    version = http_cache.data_version((Group,), today, reuse_for=60)
    assert http_cache.still_current(version, today)
    assert not http_cache.still_current(version, today + timedelta(days=1))
    factories.group(society)
    db.session.commit()
    assert not http_cache.still_current(version, today)


def test_the_default_limiter_storage_starts_no_thread_per_hit():
    import threading

    from society.api import InlineExpiryMemoryStorage
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    storage = InlineExpiryMemoryStorage("memory-inline://")
    storage.timer.join()
    limiter = FixedWindowRateLimiter(storage)
    before = threading.active_count()
    allowed = [limiter.hit(parse("3 per minute"), "client") for _ in range(5)]
    assert allowed == [True, True, True, False, False]
    assert threading.active_count() == before


def test_a_client_over_its_limit_is_refused_before_flask_like_flask_refuses_it(fresh_app, society, monkeypatch):
    from flask.testing import FlaskClient

    led_group(society)
    db.session.commit()
    app = fresh_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")
    layer = app.wsgi_app
    to_flask = []
    inner = layer.wsgi_app
    monkeypatch.setattr(layer, "wsgi_app", lambda environ, start: to_flask.append(environ["PATH_INFO"]) or inner(environ, start))
    client = FlaskClient(app)
    first = client.get(URL, query_string={"page": 1})
    second = client.get(URL, query_string={"page": 2})  # a page not seen before: built by the front, counted once
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == ["1", "0"]
    learnt = client.get(URL, query_string={"page": 3})  # Flask answers the first refusal
    assert learnt.status_code == 429 and to_flask == ["/api/v1/groups", "/api/v1/groups"]
    refused = [client.get(URL, query_string={"page": n}) for n in (4, 5)] + [client.get("/api/v1/societies")]
    assert len(to_flask) == 2  # the next refusals never entered Flask
    for response in refused:
        assert response.status_code == 429 and response.content_type == "application/problem+json"
        assert int(response.headers["Retry-After"]) > 0 and response.headers["X-RateLimit-Remaining"] == "0"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Content-Security-Policy"] == learnt.headers["Content-Security-Policy"]
    body = refused[2].get_json()
    assert body["status"] == 429 and body["title"] == learnt.get_json()["title"]
    assert body["instance"] == "/api/v1/societies"


def test_the_compiled_page_dumper_writes_exactly_what_the_schema_dumps(society):
    from society import api
    from society.schemas.directory import GroupPageSchema
    from society.services.groups import directory

    led_group(society, name="Ended", ends_on=date(2030, 1, 1))
    led_group(society, name="Unled", accredited_leader=False, city=None)
    lead = factories.person()
    factories.certificate(accredit(lead, society, expires_on=date(2031, 5, 1)))
    led_group(society, name="Certified", leader=lead)
    db.session.commit()
    groups, total = directory.find_groups({"status": ["active"]}, date.today(), 1, 50)
    payload = {"items": groups + [{**groups[0], "not_in_the_schema": "secret"}],
               "pagination": {"total": total, "total_pages": 1, "first_page": 1, "last_page": 1, "page": 1,
                              "per_page": 50, "previous_page": None, "next_page": None}}
    schema = GroupPageSchema()
    assert api.dumper(schema)(payload) == schema.dump(payload)
    assert "not_in_the_schema" not in api.dumper(schema)(payload)["items"][-1]


def test_the_published_page_is_exactly_what_the_schema_dumps(society):
    """The API sends the directory's published page without dumping it: it must already be the
    schema's dump of the page the finder gets (dates and times as ISO text, nothing beyond the schema)."""
    from datetime import time

    from society.schemas.directory import GroupPageSchema
    from society.services.groups import directory

    met = led_group(society, name="Meets", ends_on=date(2030, 1, 1), audiences=["gp", "nurse"])
    met.meeting_weekday, met.meeting_time, met.timezone = 2, time(18, 30), "Europe/Stockholm"
    led_group(society, name="Unled", accredited_leader=False, city=None)
    lead = factories.person()
    factories.certificate(accredit(lead, society, expires_on=date(2031, 5, 1)))
    factories.group_leader(led_group(society, name="Certified", leader=lead), factories.person(),
                           role="co_leader", is_trainee=True)
    db.session.commit()
    pagination = {"total": 3, "total_pages": 1, "first_page": 1, "last_page": 1, "page": 1,
                  "per_page": 50, "previous_page": None, "next_page": None}
    filters, day = {"status": ["active"]}, date.today()
    described, _total = directory.find_groups(filters, day, 1, 50)
    published, _total = directory.find_groups(filters, day, 1, 50, published=True)
    schema = GroupPageSchema()
    assert {"items": published, "pagination": pagination} == schema.dump({"items": described,
                                                                           "pagination": pagination})
    meets = next(group for group in published if group["name"] == "Meets")
    assert meets["schedule"]["start_time"] == "18:30:00" and meets["dates"]["ends_on"] == "2030-01-01"
    assert meets["audience"] == ["gp", "nurse"]
