"""A real server for the browser tests.

pytest-django's `live_server` runs each test in a flushed transaction, which would wipe the
tenants and personas; this runs `manage.py runserver` in its own process against the test
database that `django_db_setup` has filled and committed instead.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from portal.stack import WORKER_OPTIONS

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class PortalServer:
    port: int

    def url(self, host, path="/"):
        return f"http://{host}:{self.port}{path}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict):
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    if host.startswith("/"):
        # A unix-socket directory travels as the percent-encoded URL host.
        location = quote(host, safe="")
    else:
        port = settings_dict.get("PORT")
        location = f"{host}:{port}" if port else host
    return f"postgres://{credentials}{location}/{quote(settings_dict['NAME'], safe='')}"


def wait_for_port(process, port, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"runserver did not answer on port {port}:\n{Path(log_path).read_text()[-4000:]}"
    )


@pytest.fixture(scope="session")
def portal_server(django_db_setup):
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if not name.startswith("test_"):
        pytest.fail(f"no test database was set up (on {name!r}): mark the test django_db")
    port = free_port()
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        # No connection outlives its request, so the test database can be dropped at the end.
        "DB_CONN_MAX_AGE": "0",
        # Tasks go to a real worker on a queue of this run's own.
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_QUEUE": f"browser-tests-{port}",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="portal-browser-media-"),
    })
    log = tempfile.NamedTemporaryFile(prefix="portal-runserver-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo",
         "-Q", env["CELERY_QUEUE"], "-l", "warning", *WORKER_OPTIONS],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(process, port, log.name)
        yield PortalServer(port)
    finally:
        for child in (worker, process):
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        log.close()
        os.unlink(log.name)
