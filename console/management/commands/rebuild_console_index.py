"""Writes the console's index, and the counts /metrics reads, again from every partner's
schema (portal/consoleindex).

Idempotent; run once after `migrate_schemas` on a deploy, and whenever the index is in
doubt: partners' schemas are the source of truth.
"""

from django.core.management.base import BaseCommand

from console.crossschema import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the vendor console's index of every partner's queues from their schemas."

    def handle(self, *args, **options):
        partners = rebuild_index()
        self.stdout.write(f"Console index rebuilt from {partners} partner schemas.")
