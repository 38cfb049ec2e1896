"""A full export that would change too much of a customer's installed base at once stops at
a preview, and applies only once the uploader confirms it.

A file of the wrong customer, or half an export, would otherwise mark most devices as not
seen in one go. Before writing, `check` (called by inventory.lens.writing.apply_rows, in
the import's transaction, which writes nothing until then) reads what the file would do:

- new: serials the customer does not have yet;
- changed: devices whose product model, site, room, MAC address or firmware would change,
  or that were reported not seen and are listed again (the last-seen date alone is not a
  change: every monthly export moves it);
- not seen: active devices that a full export does not list and that would be marked so.

When the devices marked not seen, or the devices changed, are **more than** the share
`LENS_IMPORT_REVIEW_SHARE` (10 %) of the customer's active devices that were not reported
missing, nothing is written: `NeedsReview` carries the preview (counts and a sample of
serials per category), and the import waits. Exactly the share still applies at once. New
devices never stop an import, nor does a partial export (it marks nothing).

Confirmed, the import runs again and applies only if the same devices would change in the
same way (their fingerprint); otherwise `ReviewOutdated` refuses it. A newer export applied
meanwhile is refused by the usual order rule (writing.check_order).
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.catalogue.models import ProductModel

from ..models import Device, LensImport

DEFAULT_REVIEW_SHARE = Decimal("0.10")
# Serials shown per category and kind of change.
SAMPLE_SIZE = 10
KINDS = ("new", "changed", "not_seen")


class NeedsReview(Exception):
    """The import changes too much to apply without a look: nothing was written."""

    def __init__(self, review):
        super().__init__(review)
        self.review = review


class ReviewOutdated(Exception):
    """Since the preview, the customer's devices changed: the confirmed import would not do
    what was shown. Nothing was written."""


def review_share():
    return Decimal(str(getattr(settings, "LENS_IMPORT_REVIEW_SHARE", DEFAULT_REVIEW_SHARE)))


@dataclass
class Review:
    base: int  # the customer's active devices not reported missing, before the import
    listed: int
    # {category: {"new": n, "new_sample": [serials], "changed": ..., "not_seen": ...}}
    categories: dict = field(default_factory=dict)
    fingerprint: str = ""

    def total(self, kind):
        return sum(values[kind] for values in self.categories.values())

    def exceeds(self, share):
        """More than `share` of the base marked not seen, or changed."""
        limit = share * self.base
        return self.total("not_seen") > limit or self.total("changed") > limit

    def as_dict(self, share):
        return {
            "base": self.base, "share": str(share),
            "percent": format((share * 100).normalize(), "f"),
            **{kind: self.total(kind) for kind in KINDS},
            "categories": [{"category": category, **values}
                           for category, values in sorted(self.categories.items())],
        }


# The same join and the same rules as writing.APPLY, read only. For a device the file
# lists, its category is that of the model the file gives it.
PREVIEW = """
    WITH matched AS (
        SELECT COALESCE(s.serial, d.serial) AS serial,
               COALESCE(s.product_model_id, d.product_model_id) AS product_model_id,
               CASE
                   WHEN d.id IS NULL THEN 'new'
                   WHEN s.serial IS NULL THEN
                       CASE WHEN %(full_export)s AND d.status = %(active)s
                                 AND d.not_seen_since IS NULL THEN 'not_seen' END
                   WHEN d.not_seen_since IS NOT NULL
                        OR (d.product_model_id, d.site, d.room, d.mac_address,
                            d.firmware_version)
                           IS DISTINCT FROM
                           (s.product_model_id, COALESCE(NULLIF(s.site, ''), d.site),
                            COALESCE(NULLIF(s.room, ''), d.room),
                            COALESCE(NULLIF(s.mac, ''), d.mac_address),
                            COALESCE(NULLIF(s.firmware, ''), d.firmware_version))
                       THEN 'changed'
               END AS kind
        FROM {rows} s
        FULL JOIN (SELECT id, serial, status, product_model_id, site, room, mac_address,
                          firmware_version, not_seen_since
                   FROM inventory_device WHERE customer_id = %(customer)s) d
            ON d.serial = s.serial
    )
    SELECT m.kind, p.category, count(*),
           (array_agg(m.serial ORDER BY m.serial COLLATE "C"))[1:%(sample)s],
           md5(string_agg(m.serial, ',' ORDER BY m.serial COLLATE "C"))
    FROM matched m JOIN {products} p ON p.id = m.product_model_id
    WHERE m.kind IS NOT NULL
    GROUP BY m.kind, p.category
"""


def preview(cursor, relation, customer, *, listed, full_export):
    """What writing the rows of `relation` for `customer` would do, read without writing."""
    cursor.execute("SELECT count(*) FROM inventory_device WHERE customer_id = %s "
                   "AND status = %s AND not_seen_since IS NULL",
                   [customer.pk, Device.Status.ACTIVE])
    (base,) = cursor.fetchone()
    cursor.execute(PREVIEW.format(rows=relation, products=ProductModel._meta.db_table),
                   {"customer": customer.pk, "active": Device.Status.ACTIVE,
                    "full_export": full_export, "sample": SAMPLE_SIZE})
    categories = {}
    digest = hashlib.sha256()
    for kind, category, count, sample, group_digest in sorted(cursor.fetchall()):
        values = categories.setdefault(category, _empty_category())
        values[kind], values[f"{kind}_sample"] = count, sample
        digest.update(f"{kind}:{category}:{count}:{group_digest};".encode())
    return Review(base=base, listed=listed, categories=categories,
                  fingerprint=digest.hexdigest())


def _empty_category():
    values = {}
    for kind in KINDS:
        values[kind], values[f"{kind}_sample"] = 0, []
    return values


def check(cursor, relation, customer, lens_import, *, listed, full_export):
    """Raises NeedsReview when the import needs a look first, ReviewOutdated when a
    confirmed one would no longer do what its preview showed; else lets it apply."""
    if not full_export:
        return
    if lens_import.review_confirmed:
        current = preview(cursor, relation, customer, listed=listed, full_export=full_export)
        if current.fingerprint != lens_import.review_fingerprint:
            raise ReviewOutdated
        return
    current = preview(cursor, relation, customer, listed=listed, full_export=full_export)
    if current.exceeds(review_share()):
        raise NeedsReview(current)


def _decide(lens_import, user):
    if lens_import.status != LensImport.Status.REVIEW:
        raise ValidationError(_("This import is not waiting for review any more."),
                              code="not_under_review")
    lens_import.review_decided_by = user
    lens_import.review_decided_at = timezone.now()


def mark_confirmed(lens_import, user):
    """Queues a locked import under review again, to apply exactly its preview. The caller
    queues its task (inventory.tasks.confirm_review)."""
    _decide(lens_import, user)
    lens_import.review_confirmed = True
    lens_import.status = LensImport.Status.QUEUED
    lens_import.finished_at = None
    lens_import.save(update_fields=["updated_at", "review_decided_by", "review_decided_at",
                                    "review_confirmed", "status", "finished_at"])


def discard(lens_import, user):
    """Drops an import under review: nothing of it is ever applied. Call with the import
    locked (select_for_update), inside a transaction."""
    _decide(lens_import, user)
    lens_import.status = LensImport.Status.REVIEW_DISCARDED
    lens_import.save(update_fields=["updated_at", "review_decided_by", "review_decided_at",
                                    "status"])
