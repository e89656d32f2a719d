"""Odd input gets a clear 4xx on both databases, never a 500 and never a half-stored value:
NUL bytes and other control characters, amounts and counts past the columns' range, page
numbers and ids past 64 bits, at every list, form and record of the administrators."""
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from society.extensions import db
from society.models import DuesPayment, Person
from society.schemas import base as schema_base
from society.schemas.limits import MAX_ID

from . import factories

ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
HUGE = 10**30


def _admin_routes(app, method: str):
    for rule in app.url_map.iter_rules():
        if method in rule.methods and (rule.rule.startswith("/admin") or rule.rule.startswith("/groups")):
            yield rule


def _fill(rule, ids: dict, missing: int) -> str:
    """The rule's path with each argument replaced: known ids where the name says which, else ``missing``."""
    def value(match):
        name = match.group(2)
        return str(ids.get(name, missing)) if match.group(1) in ("int", None) else "x"
    return ARG.sub(value, rule.rule)


@pytest.fixture
def world(society, admin):
    person = factories.person()
    factories.membership(person, society)
    group = factories.group(society)
    db.session.commit()
    return {"person_id": person.id, "group_id": group.id}


def _every_input_field_name() -> list[str]:
    names = set()
    stack = list(schema_base.InputSchema.__subclasses__())
    while stack:
        schema = stack.pop()
        stack.extend(schema.__subclasses__())
        names.update(schema._declared_fields)
    return sorted(names)


def test_a_nul_byte_in_any_list_search_or_filter_is_a_clear_400(app, admin_client, world):
    for rule in _admin_routes(app, "GET"):
        url = _fill(rule, world, 1)
        response = admin_client.get(url, query_string={"q": "an\x00na", "status": "active\x00"})
        assert response.status_code == 400, url
        assert "control characters" in response.get_data(as_text=True), url


def test_page_numbers_past_any_page_are_a_clear_400_not_a_500(app, admin_client, world):
    for rule in _admin_routes(app, "GET"):
        url = _fill(rule, world, 1)
        for page in (HUGE, -1, "1e9", 0):
            response = admin_client.get(url, query_string={"page": page})
            assert response.status_code in (400, 404), (url, page, response.status_code)


def test_ids_past_the_columns_range_are_unknown_records(app, admin_client, world):
    for rule in _admin_routes(app, "GET"):
        if "<" not in rule.rule:
            continue
        for beyond in (MAX_ID + 1, 2**64 + 1, HUGE):
            url = _fill(rule, {}, beyond)
            assert admin_client.get(url).status_code == 404, url


def test_a_nul_byte_in_a_form_is_refused_and_nothing_is_stored(admin_client, world):
    before = db.session.scalar(select(func.count(Person.id)))
    response = admin_client.post("/admin/members/new", data={
        "given_name": "Ann\x00a", "family_name": "Berg", "email": "anna@example.org", "profession": "gp",
        "category": "full", "joined_on": "2024-01-01"})
    assert response.status_code == 400 and "given_name" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Person.id))) == before


@pytest.mark.parametrize("amount", ["100000000", "1000000000000", "1e400"])
def test_dues_past_the_amount_column_are_refused_beside_the_field(admin_client, world, amount):
    raised = admin_client.post("/admin/members/dues", data={"period": "2026", "amount": amount})
    assert raised.status_code == 422
    paid = admin_client.post(f"/admin/members/{world['person_id']}/dues",
                             data={"period": "2026", "amount": amount, "paid_on": "2026-02-01"})
    assert paid.status_code in (302, 422)
    assert db.session.scalar(select(func.count(DuesPayment.id)).where(DuesPayment.amount > Decimal("99999999.99"))) == 0


ODD_VALUES = st.one_of(
    st.just(str(HUGE)), st.just(str(-HUGE)), st.just(str(2**64)), st.just("99999999999.999"), st.just("1e400"),
    st.just("NaN"), st.just("-0"), st.text(min_size=1, max_size=30).filter(lambda t: "\x00" not in t),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_odd_values_in_any_administrators_form_never_answer_500(app, admin_client, world, data):
    names = _every_input_field_name()
    posts = [rule for rule in _admin_routes(app, "POST")]
    rule = data.draw(st.sampled_from(posts))
    fields = data.draw(st.dictionaries(st.sampled_from(names), ODD_VALUES, min_size=1, max_size=6))
    url = _fill(rule, world, 1)
    response = admin_client.post(url, data=fields)
    assert response.status_code < 500, (url, fields)
    # The schemas caught it, not the database's refusal (the backstop for what they miss).
    assert "cannot be stored" not in response.get_data(as_text=True), (url, fields)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_odd_values_in_any_leaders_form_never_answer_500(app, leader_client, data):
    names = _every_input_field_name()
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.rule.startswith("/portal")]
    rule = data.draw(st.sampled_from(posts))
    fields = data.draw(st.dictionaries(st.sampled_from(names), ODD_VALUES, min_size=1, max_size=6))
    url = _fill(rule, {}, 1)
    response = leader_client.post(url, data=fields)
    assert response.status_code < 500, (url, fields)
    assert "cannot be stored" not in response.get_data(as_text=True), (url, fields)
