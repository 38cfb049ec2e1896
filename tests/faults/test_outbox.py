"""A ticket opened while Redis is down: the page answers as usual, the ticket is saved, and
its e-mails wait in the database until Redis is back; then a real worker sends them once."""

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from portal.outbox.models import PendingTask
from tests.browser.conftest import database_url
from tickets.models import Ticket

from .conftest import REPO_ROOT, wait_for, worker_command

pytestmark = pytest.mark.fault

SUBJECT = "Opened while Redis was down"

OPEN_TICKET = f"""
import django
django.setup()
from django.test import Client
from django_tenants.utils import tenant_context
from portal.tenants.models import Partner
from portal.users.models import User

alpha = Partner.objects.get(slug="alpha")
client = Client(HTTP_HOST=alpha.primary_domain)
with tenant_context(alpha):
    client.force_login(User.objects.get(email="agent@alpha.example"))
response = client.post("/tickets/new/", {{"site_id": "AL-0001", "subject": "{SUBJECT}",
    "description": "No sound.", "category": "technical", "priority": "P3"}})
print(response.status_code)
"""

SWEEP = """
import django
django.setup()
from portal.outbox.tasks import hand_over_pending
print(hand_over_pending())
"""


def run_django(code, env):
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def portal_env(redis_server, world):
    mail_dir = Path(tempfile.mkdtemp(prefix="portal-outbox-mail-"))
    env = dict(os.environ, REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url,
               CELERY_TASK_ALWAYS_EAGER="0", DB_CONN_MAX_AGE="0", PYTHONUNBUFFERED="1",
               DATABASE_URL=database_url(connection.settings_dict),
               EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
               EMAIL_FILE_PATH=str(mail_dir), DJANGO_SETTINGS_MODULE="portal.settings")
    yield env, mail_dir
    in_own_connection(world.alpha, forget_the_ticket)


def forget_the_ticket():
    Ticket.history.filter(subject=SUBJECT).delete()
    Ticket.objects.filter(subject=SUBJECT).delete()
    PendingTask.objects.all().delete()


def in_own_connection(tenant, action):
    """Runs `action` on a connection of its own: the subprocesses committed what they wrote,
    which the test's own transaction, rolled back at its end, would not remove."""
    errors = []

    def run():
        try:
            with tenant_context(tenant):
                action()
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not errors, errors


def test_a_ticket_opened_while_redis_is_down_sends_its_e_mails_once_it_is_back(
        redis_server, portal_env, world, tmp_path):
    env, mail_dir = portal_env
    redis_server.stop()

    assert run_django(OPEN_TICKET, env) == "302"
    with tenant_context(world.alpha):
        assert Ticket.objects.filter(subject=SUBJECT).exists()
        waiting = list(PendingTask.objects.filter(done_at__isnull=True))
    assert waiting and {task.task for task in waiting} >= {"portal.tenants.tasks.send_email"}

    redis_server.start()
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(worker_command(), cwd=REPO_ROOT, env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        assert int(run_django(SWEEP, env)) == len(waiting)

        def all_done():
            with tenant_context(world.alpha):
                return not PendingTask.objects.filter(done_at__isnull=True).exists()

        wait_for(all_done, 60, f"the worker did not finish:\n{log.read_text()[-3000:]}")
        e_mails = [task for task in waiting if task.task == "portal.tenants.tasks.send_email"]
        sent = sorted(mail_dir.iterdir())
        assert len(sent) == len(e_mails)

        # Swept again, nothing is handed over twice, and no e-mail goes out twice.
        assert int(run_django(SWEEP, env)) == 0
        time.sleep(2)
        assert sorted(mail_dir.iterdir()) == sent
    finally:
        worker.terminate()
        worker.wait(timeout=15)
