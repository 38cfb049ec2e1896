"""Latency of a partner's list and detail pages, full of rows, against a bare Django view.

Needs a database where `manage.py migrate_schemas` and `manage.py seed_demo` have run (as
`make run` leaves it), reached through the same variables as the app:

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/pages.py [--requests 200]

It builds, once, a bench partner (slug `pages-bench`, schema `pages_bench`, kept for the
next run): the demo partner Northwind's customers, contracts, users, tickets, replacements
and monthly reports, written by the same code as `seed_demo`, then grown by bulk inserts to
10,000 devices, 5,000 tickets and 500 replacements. A later run finds the rows and reuses
them.

Then, in-process (Django's test client), it counts the queries of each page as its partner
administrator, asked twice and the second one counted. Then it starts gunicorn (settings
`bench.settings`: the portal plus a bare view) on a free local port, signs the partner
administrator in, and times sequential requests on pages-bench.localhost, alternating the
bare view with each page: dashboard, device list, device, ticket list, ticket, replacements,
contract, monthly report and the API's device list (with a personal token of the same
user). It prints the median and 95th percentile of each, the ratio of the medians to the
bare view's and the page's number of queries.
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import warnings
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
SLUG = "pages-bench"
HOST = f"{SLUG}.localhost"
EMAIL = "admin@pages-bench.example"
BARE_PATH = "/__bench__/bare/"
DEVICES, TICKETS, RMAS = 10_000, 5_000, 500
# High enough that no request of the bench is refused: the list is measured, not the 429s.
RATE_LIMIT = "100000000/min"


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DEBUG", "0")
    # Read by portal.settings here and inherited by gunicorn's workers.
    os.environ["API_RATE_LIMIT"] = RATE_LIMIT
    # The bench's administrator has no second factor; enforcement would send every page
    # to enrolment.
    os.environ["MFA_REQUIRED"] = "0"
    # Without collectstatic, WhiteNoise warns about STATIC_ROOT (gunicorn's workers too).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()


def bench_spec():
    """Northwind's demo data under another slug, domain and staff addresses."""
    from portal.site.demo import PARTNERS

    northwind = PARTNERS[0]
    spec = {key: value for key, value in northwind.items() if key != "webhook"}
    spec.update(slug=SLUG, name="Pages Bench Communications")
    spec["staff"] = [(email.replace("northwind-uc", SLUG), first, last, role)
                     for email, first, last, role in northwind["staff"]]
    return spec


def ensure_partner():
    """The bench partner, with the demo's rows (seed_demo's own code, idempotent)."""
    from django.core.management.base import OutputWrapper

    from portal.site.management.commands.seed_demo import Command
    from portal.tenants.models import Partner

    started = time.perf_counter()
    command = Command(stdout=OutputWrapper(open(os.devnull, "w")))  # noqa: SIM115
    command.ensure_catalogue()
    command.ensure_partner(bench_spec(), "localhost")
    partner = Partner.objects.get(slug=SLUG)
    print(f"bench partner {SLUG} in place in {time.perf_counter() - started:.1f} s",
          flush=True)
    return partner


def grow(partner):
    """Bulk rows up to DEVICES devices, TICKETS tickets and RMAS replacements."""
    from django.db import connection
    from django.utils import timezone

    from contracts.models import Customer
    from inventory.models import Device
    from portal.catalogue.models import ProductModel
    from portal.tenants.schemas import partner_schema
    from portal.users.models import Role, User
    from tickets.models import Rma, Ticket

    now = timezone.now()
    with partner_schema(partner):
        customers = list(Customer.objects.order_by("site_id"))
        models = list(ProductModel.objects.order_by("sku"))
        have = Device.objects.count()
        devices = []
        for number in range(have, DEVICES):
            model, customer = models[number % len(models)], customers[number % len(customers)]
            devices.append(Device(
                serial=f"PGB{number:08d}", product_model=model, customer=customer,
                site=f"Site {number % 7 + 1}", room=f"Room {number % 40 + 1}",
                mac_address=":".join(f"{byte:02X}" for byte in (
                    0, 4, 243, number >> 16 & 255, number >> 8 & 255, number & 255)),
                firmware_version="1.0.0" if number % 6 == 0 else model.current_firmware,
                status=Device.Status.ACTIVE, source=Device.Source.LENS,
                first_seen=now - timedelta(days=number % 365), last_seen=now))
        Device.objects.bulk_create(devices, batch_size=2000)

        agent = User.objects.filter(role=Role.PARTNER_AGENT).order_by("pk").first()
        device_ids = list(Device.objects.order_by("pk").values_list("pk", flat=True))
        have = Ticket.objects.count()
        statuses = [Ticket.Status.NEW, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING,
                    Ticket.Status.RESOLVED, Ticket.Status.CLOSED, Ticket.Status.CLOSED]
        priorities = list(Ticket.Priority.values)
        categories = [c for c in Ticket.Category.values if c != Ticket.Category.CLOUD]
        tickets = []
        for number in range(have, TICKETS):
            status = statuses[number % len(statuses)]
            opened = now - timedelta(hours=number % (24 * 365))
            done = status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
            tickets.append(Ticket(
                customer=customers[number % len(customers)],
                subject=f"Room system {number} drops calls",
                description="Calls drop after a few minutes in this room.",
                category=categories[number % len(categories)],
                priority=priorities[number % len(priorities)], status=status,
                device_id=device_ids[number % len(device_ids)], opened_by=agent,
                assignee=agent if number % 3 else None,
                first_response_at=opened + timedelta(hours=1) if number % 4 else None,
                response_due_at=None if done else opened + timedelta(hours=8),
                resolution_due_at=None if done else opened + timedelta(hours=24),
                resolved_at=opened + timedelta(hours=20) if done else None,
                closed_at=opened + timedelta(hours=40)
                if status == Ticket.Status.CLOSED else None))
        if Ticket.objects.bulk_create(tickets, batch_size=2000):
            # created_at is set on insert: spread over the year as real tickets are.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE tickets_ticket SET created_at = now() - (id %% 8760) * "
                    "interval '1 hour', updated_at = now() - (id %% 8760) * interval '1 hour'"
                    " WHERE subject LIKE %s", ["Room system %"])

        have = Rma.objects.count()
        bulk_tickets = list(Ticket.objects.filter(subject__startswith="Room system")
                            .order_by("pk").values_list("pk", flat=True)[:RMAS])
        rma_devices = list(Device.objects.filter(serial__startswith="PGB")
                           .select_related("product_model", "customer")
                           .order_by("pk")[:RMAS])
        rmas = []
        for number in range(have, RMAS):
            device = rma_devices[number]
            requested = now - timedelta(days=number % 300 + 1)
            rmas.append(Rma(
                ticket_id=bulk_tickets[number], customer=device.customer, device=device,
                product_model=device.product_model,
                category=device.product_model.category, fault="No audio on the far end.",
                status=Rma.Status.CLOSED, requested_by=agent, requested_at=requested,
                ship_to_country=device.customer.country or "GB",
                promised_ship_date=(requested + timedelta(days=1)).date(),
                approved_at=requested + timedelta(hours=2),
                carrier="DHL Express", tracking_number=f"JD0147{number:08d}",
                shipped_at=requested + timedelta(days=1),
                delivered_at=requested + timedelta(days=2),
                received_at=requested + timedelta(days=6),
                closed_at=requested + timedelta(days=7)))
        Rma.objects.bulk_create(rmas, batch_size=2000)
        with connection.cursor() as cursor:
            # What autovacuum does after such a load (a server with it turned off never
            # does): planner statistics, and the visibility map a count's index-only scan
            # reads.
            for table in ("inventory_device", "tickets_ticket", "tickets_rma"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        counts = (Device.objects.count(), Ticket.objects.count(), Rma.objects.count())
    print(f"{counts[0]:,} devices, {counts[1]:,} tickets, {counts[2]:,} replacements",
          flush=True)
    return counts


def ensure_user(partner):
    """The partner administrator's known password and a fresh read-only API token."""
    from portal.site.demo import DEMO_PASSWORD
    from portal.tenants.schemas import partner_schema
    from portal.users import services as user_services
    from portal.users.models import ApiToken, User

    with partner_schema(partner):
        user = User.objects.get(email=EMAIL)
        ApiToken.objects.filter(user=user, name="Pages bench").delete()
        _token, secret = user_services.create_api_token(user, name="Pages bench",
                                                        scope="read", days=1)
    return DEMO_PASSWORD, secret


def page_paths(partner):
    """(label, path, through the API) of every page timed, on rows of the bench partner."""
    from contracts.models import Contract
    from inventory.models import Device
    from portal.tenants.schemas import partner_schema
    from reporting.models import MonthlyReport
    from tickets.models import Ticket

    with partner_schema(partner):
        # The busiest rows: a device with tickets, an escalated ticket with its thread,
        # the active contract with its versions, a published report.
        device = Device.objects.filter(tickets__isnull=False, rmas__isnull=False).first() \
            or Device.objects.order_by("pk").first()
        ticket = Ticket.objects.exclude(escalation_level=Ticket.Level.PARTNER) \
            .order_by("created_at").first() or Ticket.objects.order_by("pk").first()
        contract = Contract.objects.filter(status=Contract.Status.ACTIVE).order_by("pk").first()
        report = MonthlyReport.objects.filter(status=MonthlyReport.Status.PUBLISHED) \
            .order_by("-pk").first() or MonthlyReport.objects.order_by("-pk").first()
    return [
        ("dashboard", "/", False),
        ("device list", "/devices/", False),
        ("device", f"/devices/{device.pk}/", False),
        ("ticket list", "/tickets/", False),
        ("ticket", f"/tickets/{ticket.pk}/", False),
        ("replacements", "/rma/", False),
        ("contract", f"/contracts/{contract.pk}/", False),
        ("report", f"/reports/{report.pk}/", False),
        ("API device list", "/api/v1/devices?limit=50", True),
    ]


def count_queries(pages, password, secret):
    """Queries of each page in-process, the second of two requests (one-off work such as a
    token's `last_used_at` or a cache filled does not count)."""
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    session = TestClient(HTTP_HOST=HOST)
    response = session.post("/accounts/login/", {"login": EMAIL, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {EMAIL} failed ({response.status_code})")
    api = TestClient(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {secret}")
    counts = {}
    for label, path, through_api in [("bare view", BARE_PATH, False), *pages]:
        client = api if through_api else session
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        counts[label] = len(queries.captured_queries)
    connection.set_schema_to_public()
    return counts


class Client:
    """One fresh connection per request, the Host header of the partner, our own cookies."""

    def __init__(self, port, host=HOST, headers=None):
        self.port, self.host = port, host
        self.headers = dict(headers or {})
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"Host": self.host, **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content.decode("utf-8", "replace")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, workers):
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        # The demo admin has no second factor; enforcement would send every page to enrolment.
        "MFA_REQUIRED": "0",
        # A line per request would bury the figures.
        "LOG_LEVEL": "WARNING",
    })
    return subprocess.Popen(
        # Without collectstatic, WhiteNoise warns once per worker about STATIC_ROOT.
        [sys.executable, "-W", "ignore:No directory at:UserWarning",
         "-m", "gunicorn", "portal.wsgi:application",
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=REPO_ROOT, env=env,
    )


def wait_until_serving(server, client, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            status, _, _ = client.request("GET", BARE_PATH)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise SystemExit(f"GET {BARE_PATH} on {client.host} answered {status}")
    raise SystemExit(f"gunicorn did not answer within {timeout}s")


def sign_in(client, password):
    status, _, html = client.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if status != 200 or token is None:
        raise SystemExit(f"GET /accounts/login/ answered {status} without a CSRF token")
    status, headers, _ = client.request("POST", "/accounts/login/", form={
        "login": EMAIL, "password": password, "csrfmiddlewaretoken": token.group(1),
    })
    if status != 302:
        raise SystemExit(f"signing in as {EMAIL} failed ({status})")
    status, headers, _ = client.request("GET", "/")
    if status != 200:
        raise SystemExit(f"GET / answered {status} ({headers.get('Location')})")


def timed(client, path):
    start = time.perf_counter()
    status, _, _ = client.request("GET", path)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    return elapsed


def stop(server):
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--only", help="time only the pages whose label contains this")
    args = parser.parse_args()
    if args.requests < 2:
        parser.error("--requests must be at least 2")

    setup_django()
    from django.db import connections

    partner = ensure_partner()
    devices, tickets, rmas = grow(partner)
    password, secret = ensure_user(partner)
    pages = [page for page in page_paths(partner)
             if not args.only or args.only in page[0]]
    queries = count_queries(pages, password, secret)
    connections.close_all()  # nothing held open while gunicorn serves

    port = free_port()
    server = start_server(port, args.workers)
    try:
        anonymous = Client(port)
        wait_until_serving(server, anonymous)
        session = Client(port)
        sign_in(session, password)
        api = Client(port, headers={"Authorization": f"Bearer {secret}"})
        # The bare view in the same session: the same middleware, user and host.
        plan = [(session, BARE_PATH)] + [(api if through_api else session, path)
                                         for _label, path, through_api in pages]
        for _ in range(args.warmup):
            for client, path in plan:
                timed(client, path)
        # Alternating keeps any drift of the machine out of the comparison.
        samples = [[] for _ in plan]
        for _ in range(args.requests):
            for (client, path), times in zip(plan, samples, strict=True):
                times.append(timed(client, path))
    finally:
        stop(server)

    print(f"{args.requests} sequential requests per page after {args.warmup} warm-up, "
          f"gunicorn with {args.workers} workers, Host {HOST}, signed in as {EMAIL}; "
          f"{devices:,} devices, {tickets:,} tickets, {rmas:,} replacements; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'page':<16} {'path':<28} {'median':>9} {'p95':>9} {'ratio':>7} {'queries':>8}")
    bare_median = statistics.median(samples[0])
    worst = 0.0
    for (label, path, _api), times in zip([("bare view", BARE_PATH, False), *pages], samples,
                                          strict=True):
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
        ratio = median / bare_median
        worst = max(worst, ratio)
        print(f"{label:<16} {path:<28} {median:6.2f} ms {p95:6.2f} ms {ratio:6.2f}x "
              f"{queries[label]:8d}")
    print(f"slowest page / bare view (medians): {worst:.2f}x")


if __name__ == "__main__":
    main()
