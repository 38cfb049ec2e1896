"""/readyz with each part really out of reach, in a portal process of its own: Redis
stopped, PostgreSQL at an address where nothing listens, the media folder impossible to
create. Each answers 503 naming that part, and only that part."""

import json
import os
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from tests.browser.conftest import database_url, free_port
from tests.faults.conftest import run_django

pytestmark = pytest.mark.fault

READYZ = """
import json, django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="unknown.example.org").get("/readyz")
print(response.status_code, response["Cache-Control"], json.dumps(response.json()))
"""


@pytest.fixture
def env(redis_server, db):
    return dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings",
                DATABASE_URL=database_url(connection.settings_dict),
                REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url,
                MEDIA_ROOT=tempfile.mkdtemp(prefix="portal-readyz-media-"),
                READINESS_TIMEOUT_SECONDS="5")


def readyz(env):
    status, cache_control, body = run_django(READYZ, env).split(" ", 2)
    assert cache_control == "no-store"
    return int(status), json.loads(body)


def test_ready_when_every_part_answers(env):
    assert readyz(env) == (200, {"status": "ok", "checks": {
        "database": "ok", "redis": "ok", "storage": "ok"}})


def test_redis_stopped_is_named(env, redis_server):
    redis_server.stop()
    status, body = readyz(env)
    assert status == 503
    assert body["failed"] == ["redis"]
    assert body["checks"] == {"database": "ok", "redis": "failed", "storage": "ok"}


def test_database_out_of_reach_is_named(env):
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{free_port()}/portal"
    status, body = readyz(env)
    assert status == 503
    assert body["failed"] == ["database"]


def test_storage_that_cannot_be_written_is_named(env, tmp_path):
    # Under a regular file, no folder can ever be made, whoever runs the test (root too).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env["MEDIA_ROOT"] = str(Path(blocker) / "media")
    status, body = readyz(env)
    assert status == 503
    assert body["failed"] == ["storage"]
