"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis 4).

Every operation gets generated requests through the WSGI app in-process, authenticated as
the owner; each answer must not be a 5xx and must conform to the schema (status code,
content type, body). At least 1,000 cases run in total; the test counts them.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES_PER_OPERATION = 45
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_connection():
    """Keep the test's database connection open across WSGI requests, as Django's test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_api_conforms_to_its_schema(world, api_for, keep_connection):
    from django.core.wsgi import get_wsgi_application

    secret = api_for(world.owner).secret
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    count = 0

    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal count
            count += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # name the operation in the failure
            pytest.fail(f"{operation.label}: {exc}")
    print(f"schemathesis: {count} generated cases over {len(operations)} operations")
    assert count >= 1000, f"only {count} generated cases"
