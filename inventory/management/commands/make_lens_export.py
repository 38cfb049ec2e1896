from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.models import Customer
from inventory.lens.export import export_bytes
from portal.tenants.models import Partner
from portal.tenants.schemas import partner_schema


class Command(BaseCommand):
    help = ("Writes a realistic Poly Lens inventory export for a customer (deterministic "
            "for a given --seed and --as-of).")

    def add_arguments(self, parser):
        parser.add_argument("--customer", required=True, metavar="SITE_ID",
                            help="the customer's Site ID (used in the serial numbers)")
        parser.add_argument("--rows", type=int, required=True, help="number of devices")
        parser.add_argument("--partner", metavar="SLUG",
                            help="check that the customer exists at this partner")
        parser.add_argument("--output", metavar="PATH", help="file to write (default: stdout)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                            metavar="YYYY-MM-DD", help="the export's date (default: today)")
        parser.add_argument("--french", action="store_true",
                            help="French headers, `;` separator and day-first dates")

    def handle(self, *args, customer, rows, partner, output, seed, as_of, french, **options):
        if rows < 0:
            raise CommandError("--rows must be zero or more.")
        site_id = customer.strip().upper()
        if partner:
            tenant = Partner.objects.partners().filter(slug=partner).first()
            if tenant is None:
                raise CommandError(f"No partner {partner!r}.")
            with partner_schema(tenant):
                if not Customer.objects.filter(site_id=site_id).exists():
                    raise CommandError(f"{partner} has no customer {site_id}.")
        try:
            data = export_bytes(rows, site_id=site_id, seed=seed, as_of=as_of, french=french)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if output:
            path = Path(output)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self.stderr.write(f"{rows} devices written to {path}")
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")
