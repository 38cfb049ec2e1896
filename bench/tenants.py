"""A thousand partners: onboarding time per partner, the deploy's migration time and the
vendor console's pages at that number of partners.

Needs a database where `manage.py migrate_partners` and `manage.py seed_demo` have run,
reached through the same variables as the app:

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/tenants.py [--partners 10]
        [--keep] [--requests 40] [--warmup 5] [--no-console]

It brings the number of bench partners (slugs `bench-0001`…, schemas `bench_0001`…) up to
--partners (10 by default; 100 and 1000 for the figures of the README), each by the
onboarding path a vendor administrator's form takes: the partner and its domain recorded,
then `provision_partner` — its schema made from the template of new partners (a spare
schema renamed when one is ready), its first administrator invited (the invitation e-mail
is sent in-process to the console backend, not queued) — and prints the time of each
onboarding as the count grows: median, 95th percentile and slowest per block of partners;
then the time the provisioning task goes on to spend making the next onboarding's spare
schema (the partner is ready to log in by then). Then it times `manage.py migrate_partners`
with nothing to migrate, at that number of partners, in a process of its own as at a deploy.

Then the console: each bench partner gets a copy of the demo partner Northwind's
customers, contracts, devices, tickets, replacements and monthly reports, its first
customer assigned to Northwind's CSM, and its part of the console's index written. Under
gunicorn (settings `bench.settings`, with a bare view on the console's domain too), as the
demo vendor administrator, support engineer and CSM, it times sequential requests to each
console page and list of the console's API, each after one to the bare view, and prints
per page the median, the 95th percentile, their ratios to the bare view's and the number
of queries of one request (counted in this process), with the machine's load average;
then two support engineers' clients ask for the Replacements queue at the same time and
it prints how their requests were answered.

The bench partners and their schemas are dropped at the end unless --keep is given (keep
them to measure 100, then 1000 without building the first hundred again).
"""

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench-"


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    # The portal's settings plus the bare view the console's pages are compared to.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "0")
    # As on the server bench/pages.py starts: the demo staff have no second factor.
    os.environ["MFA_REQUIRED"] = "0"
    # Read by portal.settings here and inherited by gunicorn's workers: the console API's
    # lists are timed, not its 429s.
    os.environ["API_RATE_LIMIT"] = "100000000/min"
    # The first administrators' invitations are sent here, not left for a worker.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    # One line per invitation sent in-process would bury the figures.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)


def onboard(number):
    """Onboards bench partner `number` as the console does: the time until it is ready to
    log in (the provisioning task's own work), and the time the task then spends making
    the next onboarding's spare schema, in seconds."""
    from portal.tenants.models import Domain, Partner
    from portal.tenants.services import provision_partner
    from portal.tenants.tasks import prepare_spares

    slug = f"{PREFIX}{number:04d}"
    partner = Partner.objects.create(name=f"Bench partner {number}", slug=slug,
                                     schema_name=slug.replace("-", "_"))
    Domain.objects.create(domain=f"{slug}.localhost", tenant=partner, is_primary=True)
    started = time.perf_counter()
    provision_partner(partner.pk, {"email": f"admin@{slug}.example", "first_name": "Bench"})
    ready = time.perf_counter()
    prepare_spares()
    return ready - started, time.perf_counter() - ready


def summary(times):
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"slowest {ordered[-1] * 1000:.0f} ms")


def build(target):
    from portal.tenants.models import Partner

    existing = Partner.objects.filter(slug__startswith=PREFIX).count()
    print(f"{existing} bench partners exist; onboarding up to {target}", flush=True)
    block, times, spares = max(10, target // 10), [], []
    for number in range(existing + 1, target + 1):
        ready, spare = onboard(number)
        times.append(ready)
        spares.append(spare)
        if number % block == 0 or number == target:
            total = Partner.objects.partners().count()
            print(f"  partners {number - len(times) + 1}–{number} ({total} partners in all): "
                  f"onboarding {summary(times)}; then the next spare schema "
                  f"{summary(spares)}", flush=True)
            times, spares = [], []


def time_noop_migrate():
    from portal.tenants.models import Partner

    partners = Partner.objects.partners().count()
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate_partners"], cwd=REPO_ROOT,
                   check=True, env=dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings"))
    seconds = time.perf_counter() - started
    print(f"migrate_partners with nothing to migrate, {partners} partners: {seconds:.1f} s "
          f"(start of the process included)", flush=True)


# The demo partner whose customers, contracts, devices, tickets, replacements and reports
# each bench partner receives a copy of (seed_demo made them through the services).
SOURCE_SLUG = "northwind"
COPIED_APPS = ("contracts_", "inventory_", "tickets_", "reporting_")
CONSOLE_HOST = "localhost"
BARE_PATH = "/__bench__/bare/"


def give_console_rows():
    """Gives every bench partner without them the demo partner's rows that the console
    shows (escalated tickets, replacements, monthly reports) and its first customer
    assigned to that customer's CSM, then indexes the partner, as its own changes would."""
    from django.db import connection, transaction

    from console.crossschema import rebuild_partner_index
    from console.models import CsmAssignment
    from portal.tenants.models import Partner

    source = Partner.objects.filter(slug=SOURCE_SLUG).first()
    assignment = (CsmAssignment.objects.filter(partner=source).order_by("customer_id").first()
                  if source else None)
    if assignment is None:
        raise SystemExit(f"the demo partner {SOURCE_SLUG} and its CSM assignments are needed: "
                         "run manage.py seed_demo first")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_type = 'BASE TABLE'", [source.schema_name])
        tables = sorted(name for (name,) in cursor.fetchall() if name.startswith(COPIED_APPS))
    partners = list(Partner.objects.filter(slug__startswith=PREFIX)
                    .exclude(pk__in=CsmAssignment.objects.values("partner_id"))
                    .order_by("pk"))
    started = time.perf_counter()
    for partner in partners:
        with transaction.atomic(), connection.cursor() as cursor:
            # Copies whole tables as they are, so their foreign keys are not checked one by
            # one (they point at the same ids as in the demo partner's schema), nor counted
            # by the counting triggers: the index's rebuild below counts them.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in tables:
                target = f"{quote(partner.schema_name)}.{quote(table)}"
                cursor.execute(f"INSERT INTO {target} SELECT * FROM "
                               f"{quote(source.schema_name)}.{quote(table)}")
                # The partner can go on adding rows after the copied ones.
                cursor.execute(
                    f"SELECT setval(seq, (SELECT coalesce(max(id), 0) + 1 FROM {target}), "
                    f"false) FROM pg_get_serial_sequence(%s, 'id') AS seq "
                    f"WHERE seq IS NOT NULL",
                    [f"{quote(partner.schema_name)}.{quote(table)}"])
            CsmAssignment.objects.create(partner=partner, customer_id=assignment.customer_id,
                                         csm_id=assignment.csm_id)
        connection.set_schema_to_public()
        rebuild_partner_index(partner)
    if partners:
        # What autovacuum does after such a load (a server with it turned off never does):
        # the console's tables get their planner statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tenants_partner, tenants_domain, console_csmassignment, "
                           "consoleindex_indexedticket, consoleindex_indexedrma, "
                           "consoleindex_indexedreport, consoleindex_indexedcustomer, "
                           "consoleindex_opencount, consoleindex_statuscount")
        print(f"gave {len(partners)} bench partners the console rows of {SOURCE_SLUG} "
              f"({len(tables)} tables) in {time.perf_counter() - started:.1f} s", flush=True)


def session_cookie(email):
    """A signed-in session of `email` (vendor staff, public schema), made here rather than
    through the sign-in form: second factors are not what is measured."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from portal.users.models import User

    user = User.objects.get(email=email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {settings.SESSION_COOKIE_NAME: store.session_key}


def console_pages():
    """(label, signed-in e-mail, path) of every console page, detail pages found by
    following the first link of their list."""
    from console.models import CsmAssignment
    from portal.site.demo import VENDOR_STAFF

    by_role = {role: email for email, _first, _last, role in VENDOR_STAFF}
    admin, support = by_role["vendor_admin"], by_role["support_engineer"]
    # The CSM every bench partner's first customer is assigned to: a customer per partner.
    csm = CsmAssignment.objects.filter(partner__slug__startswith=PREFIX).select_related(
        "csm").first().csm.email
    return [
        ("dashboard (vendor admin)", admin, "/"),
        ("partners", admin, "/partners/"),
        ("a partner", admin, f"/partners/{PREFIX}0001/"),
        ("a partner's customers", admin, f"/partners/{PREFIX}0001/customers/"),
        ("dashboard (support)", support, "/"),
        ("escalations", support, "/escalations/"),
        ("an escalation", support, ("/escalations/", r"/escalations/[\w-]+/\d+/")),
        ("replacements", support, "/replacements/"),
        ("a replacement", support, ("/replacements/", r"/replacements/[\w-]+/\d+/")),
        ("API escalations", support, "/api/v1/escalations"),
        ("dashboard (CSM)", csm, "/"),
        ("CSM customers", csm, "/customers/"),
        ("a CSM customer", csm, ("/customers/", r"/customers/[\w-]+/\d+/")),
        ("CSM reports", csm, "/reports/"),
        ("a report", csm, ("/reports/", r"/reports/[\w-]+/\d+/")),
        ("API customers", csm, "/api/v1/customers"),
        ("API reports", csm, "/api/v1/reports"),
    ]


def query_count(cookies, path):
    """Queries one request to `path` makes, served in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=CONSOLE_HOST)
    for name, value in cookies.items():
        client.cookies[name] = value
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    connection.set_schema_to_public()
    if status != 200:
        raise SystemExit(f"GET {path} answered {status} in process")
    return len(queries)


def percentiles(samples):
    return statistics.median(samples), statistics.quantiles(samples, n=20,
                                                            method="inclusive")[18]


def console_latencies(requests=40, warmup=5, workers=2):
    """The console's queues and pages against the bare view at this number of partners:
    each page timed sequentially under gunicorn, alternating with the bare view, as the
    vendor staff member who sees it; the queries of one request counted in process."""
    import re

    from bench.pages import Client, free_port, start_server, timed, wait_until_serving
    from portal.tenants.models import Partner

    give_console_rows()
    pages = console_pages()
    cookies = {email: session_cookie(email) for _label, email, _path in pages}
    port = free_port()
    server = start_server(port, workers)
    results, bare = [], []
    try:
        clients = {}
        for email, jar in cookies.items():
            clients[email] = Client(port, host=CONSOLE_HOST)
            clients[email].cookies.update(jar)
        wait_until_serving(server, clients[pages[0][1]])
        for label, email, path in pages:
            client = clients[email]
            if isinstance(path, tuple):
                _status, _headers, html = client.request("GET", path[0])
                link = re.search(path[1], html)
                if link is None:
                    print(f"  {label}: no link on {path[0]}, left out", flush=True)
                    continue
                path = link.group(0)
            for _ in range(warmup):
                timed(client, BARE_PATH)
                timed(client, path)
            samples = []
            for _ in range(requests):
                bare.append(timed(client, BARE_PATH))
                samples.append(timed(client, path))
            results.append((label, path, samples, query_count(cookies[email], path)))
        concurrent = concurrent_requests(port, cookies[by_label(pages, "replacements")],
                                         "/replacements/", requests)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    partners = Partner.objects.partners().count()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"console at {partners} partners: {requests} sequential requests per page after "
          f"{warmup} warm-up, each after one to the bare view, gunicorn with {workers} "
          f"workers, Host {CONSOLE_HOST}, load average {load}", flush=True)
    bare_median, bare_p95 = percentiles(bare)
    print(f"{'page':<26} {'median':>9} {'p95':>9} {'p95/bare':>9} {'med/bare':>9} "
          f"{'queries':>8}")
    print(f"{'bare view ' + BARE_PATH:<26} {bare_median:7.1f}ms {bare_p95:7.1f}ms")
    for label, _path, samples, queries in results:
        median, p95 = percentiles(samples)
        print(f"{label:<26} {median:7.1f}ms {p95:7.1f}ms {p95 / bare_p95:8.2f}x "
              f"{median / bare_median:8.2f}x {queries:8d}", flush=True)
    path, at_once, statuses, median, slowest = concurrent
    answered = ", ".join(f"{count} answered {status}" for status, count in sorted(statuses.items()))
    print(f"{at_once} concurrent clients on {path}, {requests} requests each: {answered}; "
          f"median {median:.1f} ms, slowest {slowest:.1f} ms", flush=True)


def by_label(pages, label):
    return next(email for page_label, email, _path in pages if page_label == label)


def concurrent_requests(port, cookies, path, requests, at_once=2):
    """`at_once` clients sending `requests` requests each to `path` at the same time:
    (answers by status, median and slowest in ms)."""
    from concurrent.futures import ThreadPoolExecutor

    from bench.pages import Client

    def one_client(_index):
        client = Client(port, host=CONSOLE_HOST)
        client.cookies.update(cookies)
        answers = []
        for _ in range(requests):
            started = time.perf_counter()
            status, _headers, _html = client.request("GET", path)
            answers.append((status, (time.perf_counter() - started) * 1000))
        return answers

    with ThreadPoolExecutor(at_once) as pool:
        answers = [answer for answers in pool.map(one_client, range(at_once))
                   for answer in answers]
    statuses = {}
    for status, _ms in answers:
        statuses[status] = statuses.get(status, 0) + 1
    times = sorted(ms for _status, ms in answers)
    return path, at_once, statuses, statistics.median(times), times[-1]


def drop_bench_partners():
    from django.db import connection

    from portal.tenants.models import Partner

    bench = Partner.objects.filter(slug__startswith=PREFIX)
    schemas = list(bench.values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
    bench.delete()
    print(f"dropped {len(schemas)} bench partners")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--requests", type=int, default=40,
                        help="timed requests per console page")
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed requests per console page")
    parser.add_argument("--no-console", action="store_true",
                        help="onboarding and migration only")
    args = parser.parse_args()
    setup_django()
    build(args.partners)
    time_noop_migrate()
    if not args.no_console:
        console_latencies(args.requests, args.warmup)
    if not args.keep:
        drop_bench_partners()


if __name__ == "__main__":
    main()
