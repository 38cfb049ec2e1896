"""Personas shared by the whole suite (see tests/personas.py), created once per session.

Each test runs in a transaction that is rolled back; the tenants, their schemas and the
personas below are committed once, before the first test.
"""

import os

import pytest
from django.db import connection

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
