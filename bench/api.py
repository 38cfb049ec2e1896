"""Latency of the API's device list against a bare Django view and the HTML device list.

Needs a database where `manage.py migrate_schemas` has run, reached through the same
variables as the app:

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/api.py [--requests 200] [--keep]

It creates a bench partner (schema `api_bench`; an earlier one is reused and emptied) with
one customer under an active contract, the demo catalogue if it is missing, and a partner
agent with a personal API token (read only). With 100 devices, then 10,000 (bulk inserts),
it counts in-process (Django's test client) the queries of the API's device list, first
page and a page reached through `next`, and of the HTML device list: the counts must not
grow with the rows (the script fails if they do).

Then it starts gunicorn (settings `bench.settings`: the portal plus a bare view) on a free
local port, the rate limit per token raised out of the way (API_RATE_LIMIT), signs the agent
in for the HTML list, and times sequential requests on api-bench.localhost, alternated: the
bare view, `GET /api/v1/devices?limit=50` (the first page, and the middle page through the
cursors in `next`) with `Authorization: Bearer <token>`, and the HTML device list
`/devices/` (50 per page) in the agent's session, and a sync client's poll that finds
nothing: `?updated_since=<after the last write>&ordering=updated_at` (target: at most twice
the bare view; the script shows the plan of its device query, which must use the
`device_updated_idx` index, and fails otherwise). It prints the median and 95th percentile
of each and the ratios of the medians to the bare view's. The bench schema is dropped at the
end unless --keep is given.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
SLUG = "api-bench"
SCHEMA = "api_bench"
HOST = f"{SLUG}.localhost"
SITE_ID = "APIB-0001"
EMAIL = "agent@api-bench.example"
BARE_PATH = "/__bench__/bare/"
API_PATH = "/api/v1/devices"
HTML_PATH = "/devices/"
PER_PAGE = 50
FEW, MANY = 100, 10_000
# High enough that no request of the bench is refused: the list is measured, not the 429s.
RATE_LIMIT = "100000000/min"


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DEBUG", "0")
    # Read by portal.settings here and inherited by gunicorn's workers.
    os.environ["API_RATE_LIMIT"] = RATE_LIMIT
    # Without collectstatic, WhiteNoise warns about STATIC_ROOT (gunicorn's workers too).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()

    import bench
    import inventory
    import portal

    for module in (bench, inventory, portal):
        if Path(module.__file__).resolve().parent.parent != REPO_ROOT:
            raise SystemExit(f"the app is imported from {module.__file__}, not {REPO_ROOT}")


def ensure_catalogue():
    from portal.site.demo import ensure_demo_models

    ensure_demo_models()


def ensure_tenant():
    """The bench partner's schema, empty of devices, and its customer under contract."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from contracts.models import Contract, Customer
    from contracts.services import activate_contract, save_draft_contract
    from inventory.models import Device
    from portal.tenants.models import Domain, Partner

    partner = Partner.objects.filter(slug=SLUG).first()
    if partner is None:
        partner = Partner.objects.create(slug=SLUG, schema_name=SCHEMA, name="API bench",
                                         status=Partner.Status.ACTIVE)
        Domain.objects.create(domain=HOST, tenant=partner, is_primary=True)
        started = time.perf_counter()
        partner.create_schema(check_if_exists=True, verbosity=0)
        print(f"created schema {SCHEMA} in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing schema {SCHEMA}")
    with tenant_context(partner):
        Device.history.all().delete()
        with connection.cursor() as cursor:
            # The schema holds bench data only: whatever refers to a device goes with it.
            cursor.execute("TRUNCATE inventory_device CASCADE")
        customer, _ = Customer.objects.get_or_create(
            site_id=SITE_ID, defaults={"name": "API Bench Customer",
                                       "time_zone": "Europe/Paris"})
        today = date.today()
        if not Contract.objects.filter(customer=customer, status=Contract.Status.ACTIVE,
                                       start__lte=today, end__gte=today).exists():
            contract = save_draft_contract(
                Contract(customer=customer, start=date(today.year, 1, 1),
                         end=date(today.year, 12, 31)),
                {"headsets": (1, 0, Decimal("20.00")), "video": (1, 0, Decimal("300.00")),
                 "voice": (1, 0, Decimal("30.00"))})
            activate_contract(contract, author="bench")
    return partner, customer


def ensure_agent(partner):
    """The partner agent, a fresh password and a fresh read-only token (older ones go)."""
    from allauth.account.models import EmailAddress
    from django_tenants.utils import tenant_context

    from portal.users import services as user_services
    from portal.users.models import ApiToken, Role, User

    password = secrets.token_urlsafe(16)
    with tenant_context(partner):
        user = User.objects.filter(email=EMAIL).first()
        if user is None:
            user = User(email=EMAIL, first_name="Bench", last_name="Agent",
                        role=Role.PARTNER_AGENT)
        user.set_password(password)
        user.save()
        EmailAddress.objects.get_or_create(user=user, email=EMAIL,
                                           defaults={"primary": True, "verified": True})
        ApiToken.objects.filter(user=user).delete()
        _token, secret = user_services.create_api_token(user, name="API bench",
                                                        scope="read", days=1)
    return user, password, secret


def write_devices(partner, customer, start, count):
    """Devices `start`…`start + count - 1` of the customer, across the whole catalogue
    (covered, end of life, quote only), a sixth of them behind on firmware."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from inventory.models import Device
    from portal.catalogue.models import ProductModel

    models = list(ProductModel.objects.order_by("sku"))
    now = timezone.now()
    devices = []
    for number in range(start, start + count):
        model = models[number % len(models)]
        devices.append(Device(
            serial=f"APIB{number:08d}", product_model=model, customer=customer,
            site=f"Site {number % 7 + 1}", room=f"Room {number % 40 + 1}",
            mac_address=":".join(f"{byte:02X}" for byte in (0, 4, 242, number >> 16 & 255,
                                                            number >> 8 & 255, number & 255)),
            firmware_version="1.0.0" if number % 6 == 0 else model.current_firmware,
            status=Device.Status.ACTIVE, source=Device.Source.LENS,
            first_seen=now - timedelta(days=number % 365), last_seen=now))
    with tenant_context(partner):
        Device.objects.bulk_create(devices, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inventory_device")
            cursor.execute("SELECT count(*) FROM inventory_device")
            return cursor.fetchone()[0]


def poll_query(since):
    return {"limit": PER_PAGE, "ordering": "updated_at", "updated_since": since}


def explain_poll(partner, secret, since):
    """The plan of the poll's device query, as the API sends it; fails unless the
    (updated_at, id) index serves it."""
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    api = TestClient(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {secret}")
    with CaptureQueriesContext(connection) as queries:
        response = api.get(API_PATH, poll_query(since))
    if response.status_code != 200 or response.json()["items"]:
        raise SystemExit(f"the poll answered {response.status_code}: {response.content[:300]}")
    [sql] = [q["sql"] for q in queries.captured_queries
             if 'FROM "inventory_device"' in q["sql"] and "updated_at" in q["sql"]]
    with tenant_context(partner), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    connection.set_schema_to_public()
    print("plan of the poll's device query:")
    for line in plan:
        print(f"  {line}")
    if not any("device_updated_idx" in line for line in plan):
        raise SystemExit("the updated_since poll is not served by device_updated_idx")


def count_queries(password, secret, since):
    """Queries of one request, in-process: the API's first page, the page after it through
    `next`, and the HTML device list. Each is asked twice and the second one counted, so
    that one-off work (a token's `last_used_at`, caches) does not blur the comparison."""
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    api = TestClient(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {secret}")
    page = TestClient(HTTP_HOST=HOST)
    response = page.post("/accounts/login/", {"login": EMAIL, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {EMAIL} failed ({response.status_code})")

    def counted(client, path, params=None):
        client.get(path, params or {})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, params or {})
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params or ''} answered {response.status_code}")
        statements = [q["sql"] for q in queries.captured_queries]
        # django-tenants sets the search path before each statement: counted apart.
        return (len(statements),
                sum(not sql.startswith("SET search_path") for sql in statements)), response

    first, response = counted(api, API_PATH, {"limit": PER_PAGE})
    body = response.json()
    if len(body["items"]) != PER_PAGE or not body["next"]:
        raise SystemExit(f"GET {API_PATH} gave {len(body['items'])} items, next "
                         f"{body['next']!r}")
    second, _response = counted(api, API_PATH, {"limit": PER_PAGE, "cursor": body["next"]})
    html, _response = counted(page, HTML_PATH)
    poll, _response = counted(api, API_PATH, poll_query(since))
    connection.set_schema_to_public()
    return {"API, first page": first, "API, page after `next`": second,
            "HTML device list": html, "API, updated_since poll": poll}


class Client:
    """One fresh connection per request, the Host header of the partner, our own cookies."""

    def __init__(self, port, headers=None):
        self.port = port
        self.headers = dict(headers or {})
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"Host": HOST, **self.headers}
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
        raise SystemExit(f"GET {BARE_PATH} on {HOST} answered {status}")
    raise SystemExit(f"gunicorn did not answer within {timeout}s")


def sign_in(client, password):
    status, _, html = client.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if status != 200 or token is None:
        raise SystemExit(f"GET /accounts/login/ answered {status} without a CSRF token")
    status, _, _ = client.request("POST", "/accounts/login/", form={
        "login": EMAIL, "password": password, "csrfmiddlewaretoken": token.group(1),
    })
    if status != 302:
        raise SystemExit(f"signing in as {EMAIL} failed ({status})")
    status, headers, html = client.request("GET", HTML_PATH)
    if status != 200 or "APIB" not in html:
        raise SystemExit(f"GET {HTML_PATH} answered {status} ({headers.get('Location')})")


def api_page(client, cursor=None):
    query = {"limit": PER_PAGE, **({"cursor": cursor} if cursor else {})}
    status, _, body = client.request("GET", f"{API_PATH}?{urlencode(query)}")
    if status != 200:
        raise SystemExit(f"GET {API_PATH} answered {status}: {body[:300]}")
    return json.loads(body)


def middle_cursor(client, devices):
    """The `next` cursor that leads to the middle page, following the pages from the first."""
    cursor, pages = None, devices // PER_PAGE // 2
    for _ in range(pages):
        page = api_page(client, cursor)
        if len(page["items"]) != PER_PAGE or not page["next"]:
            raise SystemExit(f"the API's pages ended early: {len(page['items'])} items")
        cursor = page["next"]
    return cursor, pages + 1


def timed(client, path):
    start = time.perf_counter()
    status, _, _ = client.request("GET", path)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    return elapsed


def summary(label, samples, bare_median=None):
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    ratio = f"   {median / bare_median:6.2f}x bare" if bare_median else ""
    print(f"{label:<40} median {median:7.2f} ms   p95 {p95:7.2f} ms{ratio}")
    return median


def drop_tenant(partner):
    from django.db import connection

    from portal.tenants.models import Domain

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    Domain.objects.filter(tenant=partner).delete()
    type(partner).objects.filter(pk=partner.pk).delete()
    print(f"dropped schema {SCHEMA}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the bench schema")
    args = parser.parse_args()
    if args.requests < 2:
        parser.error("--requests must be at least 2")

    setup_django()
    from django.db import connection, connections

    from bench.pages import free_port, start_server

    ensure_catalogue()
    partner, customer = ensure_tenant()
    try:
        _user, password, secret = ensure_agent(partner)

        counts = {}
        for total in (FEW, MANY):
            started = time.perf_counter()
            written = write_devices(partner, customer, 1 + (FEW if total == MANY else 0),
                                    total - (FEW if total == MANY else 0))
            if written != total:
                raise SystemExit(f"the bench customer has {written} devices, not {total}")
            print(f"{written:,} devices written in {time.perf_counter() - started:.1f} s")
            since = datetime.now(UTC).isoformat()  # after the last write: nothing new
            counts[total] = count_queries(password, secret, since)
        print(f"queries per request (in-process), {FEW:,} devices vs {MANY:,}; PostgreSQL "
              f"{connection.pg_version}")
        constant = True
        for label in counts[FEW]:
            few, many = counts[FEW][label], counts[MANY][label]
            constant &= few == many
            print(f"  {label:<38} {few[0]:3d} vs {many[0]:3d}   ({few[1]} vs {many[1]} "
                  f"besides SET search_path){'' if few == many else '   GROWS WITH THE ROWS'}")
        explain_poll(partner, secret, since)
        connections.close_all()  # nothing held open while gunicorn serves

        port = free_port()
        server = start_server(port, args.workers)
        try:
            anonymous = Client(port)
            wait_until_serving(server, anonymous)
            api = Client(port, {"Authorization": f"Bearer {secret}"})
            session = Client(port)
            sign_in(session, password)
            first = api_page(api)
            if len(first["items"]) != PER_PAGE or not first["next"]:
                raise SystemExit(f"GET {API_PATH} gave {len(first['items'])} items")
            cursor, page_number = middle_cursor(api, MANY)
            first_path = f"{API_PATH}?{urlencode({'limit': PER_PAGE})}"
            middle_path = f"{API_PATH}?{urlencode({'limit': PER_PAGE, 'cursor': cursor})}"
            poll_path = f"{API_PATH}?{urlencode(poll_query(since))}"
            plan = [(anonymous, BARE_PATH), (api, first_path), (api, middle_path),
                    (session, HTML_PATH), (api, poll_path)]
            for _ in range(args.warmup):
                for client, path in plan:
                    timed(client, path)
            # Alternating keeps any drift of the machine out of the comparison.
            samples = [[] for _ in plan]
            for _ in range(args.requests):
                for (client, path), times in zip(plan, samples, strict=True):
                    times.append(timed(client, path))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

        print(f"{args.requests} sequential requests per page after {args.warmup} warm-up, "
              f"gunicorn with {args.workers} workers, Host {HOST}, {MANY:,} devices, "
              f"{PER_PAGE} per page, as partner agent {EMAIL}")
        bare, first_page, middle_page, html, poll = samples
        bare_median = summary(f"bare view {BARE_PATH}", bare)
        summary(f"API {API_PATH}, page 1", first_page, bare_median)
        summary(f"API {API_PATH}, page {page_number} (cursor)", middle_page, bare_median)
        summary(f"HTML device list {HTML_PATH}", html, bare_median)
        polled = summary(f"API {API_PATH}, updated_since poll (empty)", poll, bare_median)
        print(f"updated_since poll / bare view: {polled / bare_median:.2f}x (target <= 2x); "
              f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        if not constant:
            raise SystemExit("the query count grows with the number of devices")
    finally:
        if args.keep:
            print(f"kept schema {SCHEMA}")
        else:
            drop_tenant(partner)


if __name__ == "__main__":
    main()
