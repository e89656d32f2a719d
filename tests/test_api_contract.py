"""Schemathesis over the whole OpenAPI document: for every operation, generated valid
and invalid requests, each answer checked against the document (status codes,
content types, headers, bodies, allowed methods) and never a server error.

The loop uses schemathesis' Python API directly: its lazy pytest fixture loader
does not run under pytest 9."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from society.extensions import db

from . import factories
from .test_directory import led_group

EXAMPLES_PER_OPERATION_AND_MODE = 40


@pytest.fixture
def api_schema(app):
    society = factories.society(code="SBS")
    for n in range(6):
        group = led_group(society, name=f"Group {n}", format=("in_person", "online", "hybrid")[n % 3],
                          accepting_members=n % 2 == 0, status=("active", "forming", "paused", "closed")[n % 4])
        factories.participant(group, factories.person())
    db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_every_operation_honours_the_openapi_document(api_schema, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} >= {"GET /api/v1/groups", "GET /api/v1/groups/{group_id}",
                                              "GET /api/v1/societies"}
    nothing_invalid_to_send = []
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def honours_the_document(case):
            case.call_and_validate()

        try:
            honours_the_document()
        except Unsatisfiable:
            # An operation whose only parameter is any string (a certificate number) has no
            # invalid request to generate; every other operation must be exercised.
            if mode is schemathesis.GenerationMode.POSITIVE:
                raise
            nothing_invalid_to_send.append(operation.label)
    assert not {"GET /api/v1/groups", "GET /api/v1/groups/{group_id}"} & set(nothing_invalid_to_send)
