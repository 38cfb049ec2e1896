"""A thousand partners: onboarding time per partner and the deploy's migration time.

Needs a database where `manage.py migrate_partners` has run, reached through the same
variables as the app:

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/tenants.py [--partners 10]
                                                                         [--keep]

It brings the number of bench partners (slugs `bench-0001`…, schemas `bench_0001`…) up to
--partners (10 by default; 100 and 1000 for the figures of the README), each by the
onboarding path a vendor administrator's form takes: the partner and its domain recorded,
then `provision_partner` — its schema made from the template of new partners, its first
administrator invited (the invitation e-mail is sent in-process to the console backend,
not queued) — and prints the time of each onboarding as the count grows: median, 95th
percentile and slowest per block of partners. Then it times `manage.py migrate_partners`
with nothing to migrate, at that number of partners, in a process of its own as at a deploy.

The bench partners and their schemas are dropped at the end unless --keep is given (keep
them to measure 100, then 1000 without building the first hundred again).
"""

import argparse
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "0")
    # The first administrators' invitations are sent here, not left for a worker.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()


def onboard(number):
    """Onboards bench partner `number` as the console does; its time in seconds."""
    from portal.tenants.models import Domain, Partner
    from portal.tenants.services import provision_partner

    slug = f"{PREFIX}{number:04d}"
    partner = Partner.objects.create(name=f"Bench partner {number}", slug=slug,
                                     schema_name=slug.replace("-", "_"))
    Domain.objects.create(domain=f"{slug}.localhost", tenant=partner, is_primary=True)
    started = time.perf_counter()
    provision_partner(partner.pk, {"email": f"admin@{slug}.example", "first_name": "Bench"})
    return time.perf_counter() - started


def summary(times):
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"slowest {ordered[-1] * 1000:.0f} ms")


def build(target):
    from portal.tenants.models import Partner

    existing = Partner.objects.filter(slug__startswith=PREFIX).count()
    print(f"{existing} bench partners exist; onboarding up to {target}", flush=True)
    block, times = max(10, target // 10), []
    for number in range(existing + 1, target + 1):
        times.append(onboard(number))
        if number % block == 0 or number == target:
            total = Partner.objects.partners().count()
            print(f"  partners {number - len(times) + 1}–{number} ({total} partners in all): "
                  f"onboarding {summary(times)}", flush=True)
            times = []


def time_noop_migrate():
    from portal.tenants.models import Partner

    partners = Partner.objects.partners().count()
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate_partners"], cwd=REPO_ROOT,
                   check=True, env=dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings"))
    seconds = time.perf_counter() - started
    print(f"migrate_partners with nothing to migrate, {partners} partners: {seconds:.1f} s "
          f"(start of the process included)", flush=True)


def console_latencies():
    """The console's queue and pages against the bare view at this number of partners:
    measured by another part of this bench, to be added here."""


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
    args = parser.parse_args()
    setup_django()
    build(args.partners)
    time_noop_migrate()
    console_latencies()
    if not args.keep:
        drop_bench_partners()


if __name__ == "__main__":
    main()
