"""Personas shared by the whole suite (see tests/personas.py), created once per session.

Each test runs in a transaction that is rolled back; the tenants, their schemas and the
personas below are committed once, before the first test.
"""

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

QUERY_COUNTS = Path(__file__).with_name("query_counts.json")
# Counts measured in this run, kept for --update-query-counts: {test id: {label: count}}.
_measured_query_counts = {}


def pytest_addoption(parser):
    parser.addoption("--update-query-counts", action="store_true",
                     help="record the query counts measured by query_count_baseline in "
                          "tests/query_counts.json instead of checking them")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tests.personas import create_world

    with django_db_blocker.unblock():
        # Never write personas into a developer's own database.
        assert connection.settings_dict["NAME"].startswith("test_"), "not a test database"
        create_world()


@pytest.fixture(autouse=True)
def _public_schema_around_each_test(request):
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def world(db):
    from tests.personas import World

    return World.load()


@pytest.fixture(autouse=True)
def _default_language():
    # The language middleware leaves the request's language active in the thread.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


class QueryCount:
    """What one measured block did: `count` statements, their SQL in `statements`."""

    count = None
    statements = ()


@pytest.fixture
def query_count_baseline(request):
    """`with query_count_baseline("device list") as measured:` runs the block and checks
    that it made exactly the number of queries stored in tests/query_counts.json for this
    test and label; `measured.count` holds the number. The same label measured twice in a
    test (at a few rows and at many) must give the same count. After a deliberate change,
    regenerate the file with `make test PYTEST_ARGS="--update-query-counts"`."""
    from django.test.utils import CaptureQueriesContext

    test_id = request.node.nodeid
    updating = request.config.getoption("--update-query-counts")
    stored = {} if updating else json.loads(QUERY_COUNTS.read_text()).get(test_id, {})
    measured_here = {}
    regenerate = f'make test PYTEST_ARGS="--update-query-counts {test_id}"'

    @contextmanager
    def measure(label):
        measured = QueryCount()
        with CaptureQueriesContext(connection) as captured:
            yield measured
        # The search path is set once per connection and schema, whichever statement comes
        # first: not a cost of the block measured.
        measured.statements = [query["sql"] for query in captured.captured_queries
                               if not query["sql"].startswith("SET search_path")]
        measured.count = len(measured.statements)
        expected = measured_here.get(label) if updating else stored.get(label)
        if expected is None and not updating:
            pytest.fail(f"no query count stored for {test_id} [{label}] ({measured.count} "
                        f"measured): {regenerate}", pytrace=False)
        if expected is not None and measured.count != expected:
            said = "earlier in this test" if updating else "in tests/query_counts.json"
            pytest.fail(
                f"{test_id} [{label}]: {measured.count} queries, {expected} {said}."
                f" If the change is deliberate: {regenerate}. The queries:\n"
                + "\n".join(f"  {sql[:200]}" for sql in measured.statements), pytrace=False)
        measured_here[label] = measured.count

    yield measure
    if updating and measured_here:
        _measured_query_counts[test_id] = measured_here


def pytest_sessionfinish(session):
    if not (session.config.getoption("--update-query-counts") and _measured_query_counts):
        return
    counts = json.loads(QUERY_COUNTS.read_text()) if QUERY_COUNTS.exists() else {}
    counts.update(_measured_query_counts)
    QUERY_COUNTS.write_text(json.dumps(dict(sorted(counts.items())), indent=2) + "\n")
