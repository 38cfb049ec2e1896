"""Monthly reports for 200 customers across 20 partners against a one-page static WeasyPrint
document rendered in the same process.

Needs a database where `manage.py migrate_schemas` has run, reached through the same
variables as the app:

    DATABASE_URL=postgres://… python bench/reports.py [--customers 200] [--tenants 20] [--keep]

It creates the bench partners (schemas `reports_bench_01` … `reports_bench_20`: the first
new one by the tenant migrations, the others cloned from a bench schema; earlier ones are
reused, their data emptied) and the demo catalogue if it is missing, then spreads the
customers over the partners, each with an active contract of two or three categories and
its initial baseline, a year of monthly Poly Lens snapshots (the 12-month trend), its
installed base as devices (some behind on firmware, some end of life), a few tickets of the
reported month with their SLA fields, breaches and escalations, two headset replacements
and the CSM's hours. The data is written with bulk inserts; setup is timed and printed on
its own, and not counted.

Then it times, for every customer, inside its partner's context, what a monthly report
costs end to end as the CSM's publication does: the figures (reporting.services
.generate_report, last month's report, committed) and the PDF
(reporting.pdf.render_report_pdf, in the partner's branding). It prints the total, seconds
per report (mean, median, p95, max; figures and PDF apart), reports per minute, the time
of a one-page static HTML document rendered by WeasyPrint (best of 10, measured before and
after the reports) and the ratio of the median report to it. The target is 1.8 s per
report. The bench partners and their schemas are dropped at the end unless --keep is given.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SLUG_PREFIX = "reports-bench-"
SCHEMA_PREFIX = "reports_bench_"
TARGET_SECONDS = 1.8
STATIC_RUNS = 10

# Ordered quantities drawn per category, and the annual price per device.
CATEGORY_SIZES = {"headsets": (40, 400), "video": (4, 40), "voice": (15, 150)}
ANNUAL_PRICES = {"headsets": Decimal("24.00"), "video": Decimal("310.00"),
                 "voice": Decimal("45.00")}

STATIC_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Static page</title>
<style>
  @page { size: A4; margin: 18mm 16mm 20mm; }
  body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; color: #101828; }
  h1 { font-size: 18pt; color: #1f4e79; } h2 { font-size: 12pt; color: #1f4e79; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e4e7ec; }
</style></head>
<body>
<h1>Monthly report · October 2026</h1>
<p>A static page of about the report's first-page density, without templates or data.</p>
<h2>Baseline versus actual</h2>
<table><thead><tr><th>Category</th><th>Ordered</th><th>Baseline</th><th>Actual</th></tr>
</thead><tbody>
<tr><td>Headsets and personal devices</td><td>100</td><td>105.00</td><td>106</td></tr>
<tr><td>Video</td><td>10</td><td>10.50</td><td>10</td></tr>
<tr><td>Voice</td><td>40</td><td>42.00</td><td>39</td></tr>
</tbody></table>
<h2>Tickets</h2>
<p>Opened 6 (1 P1), resolved 5, escalations 1, cloud incidents 1, SLA breaches 1.</p>
<h2>Notes</h2>
<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor
incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud
exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</p>
</body></html>"""


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def ensure_catalogue():
    from portal.site.demo import ensure_demo_models

    ensure_demo_models()


def stale(schema, graph_nodes):
    """True when some migration on disk is not recorded in the schema."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder
    from django_tenants.utils import schema_context

    with schema_context(schema):
        applied = set(MigrationRecorder(connection).applied_migrations())
    return not graph_nodes <= applied


def ensure_partners(count):
    """The bench partners and their schemas. Existing schemas are reused unless a migration
    is missing from them (then they are dropped and made again); the first new one runs
    every tenant migration, the others are cloned from a bench schema with django-tenants'
    TENANT_BASE_SCHEMA recipe, several times faster: same tables, indexes and constraints
    (unique constraints under generated names, hence no migrating of a clone), migrations
    recorded."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.test import override_settings
    from django_tenants.utils import schema_exists

    from portal.tenants.models import Domain, Partner

    partners = []
    for number in range(1, count + 1):
        slug = f"{SLUG_PREFIX}{number:02d}"
        partner = Partner.objects.filter(slug=slug).first()
        if partner is None:
            partner = Partner.objects.create(
                slug=slug, schema_name=f"{SCHEMA_PREFIX}{number:02d}",
                name=f"Reports Bench {number:02d}", status=Partner.Status.ACTIVE,
                default_language="fr" if number % 5 == 0 else "en")
            Domain.objects.create(domain=f"{slug}.localhost", tenant=partner, is_primary=True)
        partners.append(partner)

    started = time.perf_counter()
    graph_nodes = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    existing = [p for p in partners if schema_exists(p.schema_name)]
    outdated = [p for p in existing if stale(p.schema_name, graph_nodes)]
    with connection.cursor() as cursor:
        for partner in outdated:
            cursor.execute(f'DROP SCHEMA "{partner.schema_name}" CASCADE')
    existing = [p for p in existing if p not in outdated]
    missing = [p for p in partners if p not in existing]
    first_seconds = 0
    if missing and not existing:
        first = missing.pop(0)
        first_started = time.perf_counter()
        first.create_schema(verbosity=0)
        first_seconds = time.perf_counter() - first_started
        existing.append(first)
    clone_started = time.perf_counter()
    base = existing[0].schema_name if existing else None
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=True, TENANT_BASE_SCHEMA=base):
        for partner in missing:
            partner.create_schema(verbosity=0)
    clone_seconds = time.perf_counter() - clone_started
    connection.set_schema_to_public()
    elapsed = time.perf_counter() - started

    parts = []
    if first_seconds:
        parts.append(f"1 schema created by the migrations in {first_seconds:.1f} s")
    if missing:
        parts.append(f"{len(missing)} cloned from {base} in {clone_seconds:.1f} s "
                     f"({clone_seconds / len(missing):.1f} s each)")
    reused = len(existing) - (1 if first_seconds else 0)
    if reused:
        parts.append(f"{reused} reused")
    if outdated:
        parts.append(f"{len(outdated)} dropped first for a missing migration")
    print(f"partners: {', '.join(parts)}; {elapsed:.1f} s in all")
    return partners, elapsed


def bench_data(partner, number, customers, month, rng):
    """Empties the partner's bench data and writes `customers` customers with everything a
    report reads. Returns the customers and the numbers of devices, tickets and RMAs."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from contracts.models import BaselineEntry, BaselineVersion, Contract, ContractLine, Customer
    from inventory.models import Device, InventorySnapshot, SnapshotCount
    from portal.catalogue.models import ProductModel
    from reporting.figures import TREND_MONTHS, add_months
    from reporting.models import CsmHours
    from tickets.models import Breach, Escalation, Rma, Ticket

    models_by_category = {}
    for model in ProductModel.objects.order_by("sku"):
        models_by_category.setdefault(model.category, []).append(model)

    with tenant_context(partner):
        with connection.cursor() as cursor:
            # Every table holding a customer's data refers to the customer: one cascade.
            cursor.execute("TRUNCATE contracts_customer, reporting_historicalmonthlyreport "
                           "RESTART IDENTITY CASCADE")
        rows = []
        for index in range(1, customers + 1):
            french = partner.default_language == "fr" or index % 7 == 0
            rows.append(Customer(
                name=f"Bench Customer {number:02d}-{index:03d}",
                site_id=f"RB{number:02d}-{index:04d}", country="FR" if french else "GB",
                time_zone="Europe/Paris" if french else "Europe/London",
                language="fr" if french else "en"))
        customer_rows = Customer.objects.bulk_create(rows)

        start = add_months(month, -13)
        contracts = Contract.objects.bulk_create([
            Contract(customer=customer, start=start,
                     end=date(start.year + 3, start.month, 1) - timedelta(days=1),
                     status=Contract.Status.ACTIVE, csm_blocks_per_month=1 + index % 2)
            for index, customer in enumerate(customer_rows)])
        versions = BaselineVersion.objects.bulk_create([
            BaselineVersion(contract=contract, number=1, effective_date=contract.start,
                            reason="Initial", author="bench") for contract in contracts])
        lines, entries, snapshots, counts, devices = [], [], [], [], []
        plans = []
        for index, (customer, contract, version) in enumerate(
                zip(customer_rows, contracts, versions, strict=True)):
            categories = ["headsets", "video"] + (["voice"] if index % 3 == 0 else [])
            ordered = {category: rng.randint(*CATEGORY_SIZES[category])
                       for category in categories}
            # A third of the customers end the year above the true-up threshold.
            growth = {category: rng.uniform(0.06, 0.12) if index % 3 == 1
                      else rng.uniform(-0.05, 0.03) for category in categories}
            plans.append((customer, ordered))
            for category in categories:
                lines.append(ContractLine(contract=contract, category=category,
                                          installed=ordered[category],
                                          annual_price=ANNUAL_PRICES[category]))
                entries.append(BaselineEntry(
                    version=version, category=category, ordered=ordered[category],
                    baseline=(Decimal(ordered[category]) * Decimal("1.05")).quantize(
                        Decimal("0.01"))))
            actual = {}
            for offset in range(TREND_MONTHS):
                taken = add_months(month, offset + 1 - TREND_MONTHS)
                snapshot = InventorySnapshot(customer=customer, source="lens",
                                             taken_on=taken.replace(day=20))
                snapshots.append(snapshot)
                for category in categories:
                    share = (offset + 1) / TREND_MONTHS
                    actual[category] = max(0, round(ordered[category]
                                                    * (0.97 + growth[category] * share)))
                    counts.append(SnapshotCount(snapshot=snapshot, category=category,
                                                covered=actual[category],
                                                uncovered=rng.randint(0, 3)))
            # The installed base behind the last snapshot, some of it uncovered.
            serial = 0
            for category in categories:
                choices = models_by_category[category]
                for _ in range(actual[category]):
                    serial += 1
                    model = choices[rng.randrange(len(choices))]
                    behind = rng.random() < 0.15
                    devices.append(Device(
                        serial=f"RB{number:02d}{index:04d}{serial:05d}", product_model=model,
                        customer=customer, site="HQ", status=Device.Status.ACTIVE,
                        source=Device.Source.LENS,
                        firmware_version="1.0.0" if behind else model.current_firmware))
        ContractLine.objects.bulk_create(lines)
        BaselineEntry.objects.bulk_create(entries)
        InventorySnapshot.objects.bulk_create(snapshots)
        SnapshotCount.objects.bulk_create(counts, batch_size=2000)
        Device.objects.bulk_create(devices, batch_size=2000)

        tickets, opened_at, hours = [], [], []
        headsets_of = {}
        for device in Device.objects.filter(product_model__category="headsets").order_by(
                "customer_id", "pk").values("pk", "customer_id", "product_model_id"):
            headsets_of.setdefault(device["customer_id"], []).append(device)
        for customer, _ordered in plans:
            for offset, priority in enumerate(["P1", "P2", "P3", "P3", "P4", "P2"]):
                opened = datetime(month.year, month.month, 3 + 4 * offset, 9, 30,
                                  tzinfo=_zone(customer))
                resolved = offset != 5
                opened_at.append(opened)
                tickets.append(Ticket(
                    customer=customer, subject=f"Bench ticket {offset}", description="Bench.",
                    category="cloud" if offset == 2 else "hardware" if offset == 4
                    else "technical", priority=priority,
                    status=Ticket.Status.RESOLVED if resolved else Ticket.Status.IN_PROGRESS,
                    created_at=opened, first_response_at=opened + timedelta(minutes=40),
                    response_due_at=opened + timedelta(hours=1),
                    resolution_due_at=opened + timedelta(hours=8),
                    resolved_at=opened + timedelta(hours=6 if offset != 1 else 30)
                    if resolved else None,
                    escalation_level=Ticket.Level.VENDOR if offset == 1
                    else Ticket.Level.PARTNER,
                    cloud_partner="teams" if offset == 2 else ""))
            hours += [CsmHours(customer=customer, worked_on=month.replace(day=day),
                               hours=Decimal("2.50"), description="Quarterly review",
                               csm_name="Bench CSM", csm_email="csm@bench.example")
                      for day in (6, 20)]
        Ticket.objects.bulk_create(tickets, batch_size=2000)
        # Inserting sets created_at to now (auto_now_add): the month's dates go in after.
        for ticket, opened in zip(tickets, opened_at, strict=True):
            ticket.created_at = opened
        Ticket.objects.bulk_update(tickets, ["created_at"], batch_size=2000)
        CsmHours.objects.bulk_create(hours)
        Breach.objects.bulk_create([
            Breach(ticket=ticket, target="resolution", priority=ticket.priority,
                   due_at=ticket.resolution_due_at)
            for ticket in tickets if ticket.subject == "Bench ticket 1"])
        escalations = Escalation.objects.bulk_create([
            Escalation(ticket=ticket, from_level=Ticket.Level.PARTNER,
                       to_level=Ticket.Level.VENDOR, actor_name="Bench agent",
                       reason="Needs the vendor.")
            for ticket in tickets if ticket.subject == "Bench ticket 1"])
        for escalation in escalations:
            escalation.created_at = escalation.ticket.created_at + timedelta(hours=2)
        Escalation.objects.bulk_update(escalations, ["created_at"], batch_size=2000)
        rmas = []
        hardware = {ticket.customer_id: ticket for ticket in tickets
                    if ticket.subject == "Bench ticket 4"}
        for customer, _ordered in plans:
            for number_in_year, device in enumerate(headsets_of.get(customer.pk, [])[:2]):
                requested = datetime(month.year, month.month, 5 + 7 * number_in_year, 10,
                                     tzinfo=_zone(customer))
                rmas.append(Rma(
                    ticket=hardware[customer.pk], customer=customer, device_id=device["pk"],
                    product_model_id=device["product_model_id"], category="headsets",
                    fault="No audio.", status=Rma.Status.CLOSED if number_in_year == 0
                    else Rma.Status.APPROVED,
                    requested_at=requested, approved_at=requested + timedelta(hours=1),
                    ship_to_country=str(customer.country),
                    promised_ship_date=requested.date() + timedelta(days=1)))
        Rma.objects.bulk_create(rmas)
        with connection.cursor() as cursor:
            # Fresh statistics, as autovacuum would have them for long-lived data; a bare
            # ANALYZE would go through every schema of the database.
            cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in (
                Customer, Contract, ContractLine, BaselineVersion, BaselineEntry,
                InventorySnapshot, SnapshotCount, Device, Ticket, Breach, Escalation, Rma,
                CsmHours)))
    return customer_rows, len(devices), len(tickets), len(rmas)


def _zone(customer):
    from zoneinfo import ZoneInfo

    return ZoneInfo(customer.time_zone)


def render_static(runs):
    from weasyprint import HTML

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        content = HTML(string=STATIC_PAGE).write_pdf()
        samples.append(time.perf_counter() - started)
        assert content.startswith(b"%PDF")
    return samples


def timed_reports(partners, customers_of, month):
    """One report per customer as the CSM's publication costs it: figures, then PDF."""
    from django_tenants.utils import tenant_context

    from reporting.pdf import render_report_pdf
    from reporting.services import generate_report

    totals, figures, pdfs, sizes = [], [], [], []
    for partner in partners:
        with tenant_context(partner):
            for customer in customers_of[partner.pk]:
                started = time.perf_counter()
                report = generate_report(customer, month)
                computed = time.perf_counter()
                content = render_report_pdf(report).read()
                drawn = time.perf_counter()
                if report is None or not content.startswith(b"%PDF"):
                    raise SystemExit(f"no report for {customer.site_id}")
                figures.append(computed - started)
                pdfs.append(drawn - computed)
                totals.append(drawn - started)
                sizes.append(len(content))
    return totals, figures, pdfs, sizes


def p95(samples):
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def drop_partners(partners):
    from django.db import connection

    from portal.tenants.models import Domain

    connection.set_schema_to_public()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for partner in partners:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{partner.schema_name}" CASCADE')
    Domain.objects.filter(tenant__in=partners).delete()
    type(partners[0]).objects.filter(pk__in=[p.pk for p in partners]).delete()
    print(f"dropped {len(partners)} bench schemas and partners in "
          f"{time.perf_counter() - started:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the bench partners and their schemas")
    args = parser.parse_args()
    if not 1 <= args.tenants <= 99 or args.customers < args.tenants:
        parser.error("give 1 to 99 tenants and at least one customer per tenant")

    setup_django()
    import logging

    from django.db import connection
    from django.utils import timezone

    import reporting
    from reporting.services import previous_month

    if Path(reporting.__file__).resolve().parent.parent != REPO_ROOT:
        raise SystemExit(f"the app is imported from {reporting.__file__}, not {REPO_ROOT}")
    # WeasyPrint logs seven INFO lines per document; they would bury the figures.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    month = previous_month(timezone.localdate())
    rng = random.Random(args.seed)

    ensure_catalogue()
    partners, schema_seconds = ensure_partners(args.tenants)
    try:
        started = time.perf_counter()
        customers_of, devices, tickets, rmas = {}, 0, 0, 0
        for number, partner in enumerate(partners, start=1):
            share = args.customers // args.tenants + (number <= args.customers % args.tenants)
            customers_of[partner.pk], *written = bench_data(partner, number, share, month,
                                                            rng)
            devices, tickets, rmas = (devices + written[0], tickets + written[1],
                                      rmas + written[2])
        data_seconds = time.perf_counter() - started
        print(f"data: {args.customers} customers across {args.tenants} partners, "
              f"{devices:,} devices, {tickets:,} tickets, {rmas} headset RMAs, 12 monthly "
              f"snapshots each, in {data_seconds:.1f} s; PostgreSQL {connection.pg_version}")
        print(f"setup (not counted below): {schema_seconds + data_seconds:.1f} s")

        before = render_static(STATIC_RUNS + 1)[1:]  # the first run loads WeasyPrint's fonts
        started = time.perf_counter()
        totals, figures, pdfs, sizes = timed_reports(partners, customers_of, month)
        elapsed = time.perf_counter() - started
        after = render_static(STATIC_RUNS)
        static = min(before + after)

        count = len(totals)
        median = statistics.median(totals)
        print(f"{count} reports of {month:%B %Y} in {elapsed:.1f} s: "
              f"{count / elapsed * 60:.1f} reports per minute "
              f"(one process, one report at a time)")
        print(f"per report        mean {statistics.mean(totals):.3f} s   median {median:.3f} s"
              f"   p95 {p95(totals):.3f} s   max {max(totals):.3f} s")
        print(f"  figures         mean {statistics.mean(figures):.3f} s   median "
              f"{statistics.median(figures):.3f} s   p95 {p95(figures):.3f} s")
        print(f"  PDF             mean {statistics.mean(pdfs):.3f} s   median "
              f"{statistics.median(pdfs):.3f} s   p95 {p95(pdfs):.3f} s   "
              f"({statistics.mean(sizes) / 1024:.0f} KB on average)")
        print(f"static one-page PDF: {static * 1000:.1f} ms (best of {STATIC_RUNS} before the "
              f"reports {min(before) * 1000:.1f} ms, of {STATIC_RUNS} after "
              f"{min(after) * 1000:.1f} ms)")
        print(f"report / static page: {median / static:.1f}x (median report), "
              f"{statistics.mean(totals) / static:.1f}x (mean)")
        verdict = "meets" if statistics.mean(totals) <= TARGET_SECONDS else "MISSES"
        print(f"target {TARGET_SECONDS} s per report: {verdict} it "
              f"(mean {statistics.mean(totals):.3f} s)")
    finally:
        if args.keep:
            print(f"kept {len(partners)} bench schemas ({SCHEMA_PREFIX}01…)")
        else:
            drop_partners(partners)


if __name__ == "__main__":
    main()
