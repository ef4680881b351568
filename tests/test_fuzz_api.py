"""The JSON API, fuzzed against its own OpenAPI document: never a server error, and
every response matches the document."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from directory.wsgi import application
from groups.openapi import openapi_document
from tests.support.demo import load_demo

# The document as /api/schema/ serves it, less the taxonomy codes it reads from the
# database (which is not there while tests are collected); codes are fuzzed as strings.
schema = schemathesis.openapi.from_dict(openapi_document(with_codes=False))
schema.app = application

# A place name or slug can be valid by the schema and still unknown to us (a 400),
# so "schema-valid input must succeed" does not hold for this API.
EXCLUDED = [check for check in CHECKS.get_all() if check.__name__ == "positive_data_acceptance"]


@pytest.fixture
def demo_data(db, settings):
    load_demo()
    # The fuzzer sends more than a client may in a minute; past the limit it would read
    # only 429s (documented, and tested in test_rate_limits.py).
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "api": (1_000_000, 60)}
    # As Django's test client does: keep the test's connection (and transaction) open
    # across requests made straight to the WSGI application.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_never_fails_and_matches_its_schema(case, demo_data):
    case.call_and_validate(excluded_checks=EXCLUDED)
