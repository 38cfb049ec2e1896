from django.core.management.base import BaseCommand

from portal.tenants.services import ensure_vendor


class Command(BaseCommand):
    help = "Creates the vendor console (the public tenant) on the given domain, if missing."

    def add_arguments(self, parser):
        parser.add_argument("--domain", required=True, help="Host name of the vendor console.")

    def handle(self, *args, domain, **options):
        vendor, created = ensure_vendor(domain)
        state = "created" if created else "already present"
        self.stdout.write(f"Vendor console on {domain}: {state}.")
