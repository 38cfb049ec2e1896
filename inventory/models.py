import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.catalogue.models import Category
from portal.users.history import local_history_user

serial_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{4,38}[A-Z0-9]$",
    _("A serial number has 6 to 40 capital letters, digits or hyphens."),
    code="malformed_serial",
)
mac_validator = RegexValidator(
    r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$",
    _("Enter a MAC address such as 00:04:F2:AB:CD:EF."),
)


def normalise_serial(value):
    return "".join(str(value).split()).upper()


def normalise_mac(value):
    digits = "".join(ch for ch in str(value).upper() if ch in "0123456789ABCDEF")
    if len(digits) != 12:
        return str(value).strip().upper()
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


class Device(models.Model):
    """One device of a customer's installed base. Whether it is covered is computed
    (inventory.coverage), never stored."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        REPLACED = "replaced", _("Replaced")

    class Source(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        LENS = "lens", _("Poly Lens import")
        RMA = "rma", _("RMA replacement")

    serial = models.CharField(_("serial number"), max_length=40, unique=True,
                              validators=[serial_validator])
    product_model = models.ForeignKey(
        "catalogue.ProductModel", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("product model"),
    )
    # No index of its own: the (customer, status) index below serves every lookup by
    # customer, and each index slows down a Lens import of a hundred thousand rows.
    customer = models.ForeignKey(
        "contracts.Customer", on_delete=models.PROTECT, related_name="devices",
        verbose_name=_("customer"), db_index=False,
    )
    site = models.CharField(_("site"), max_length=120, blank=True)
    room = models.CharField(_("room"), max_length=120, blank=True)
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True,
                                   validators=[mac_validator])
    firmware_version = models.CharField(_("firmware version"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices,
                              default=Source.REGISTERED)
    first_seen = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    # Set when a full Poly Lens export of the customer no longer lists the device (kept at
    # the first such import); cleared when an import lists it again. Never deleted for it.
    not_seen_since = models.DateTimeField(_("not seen since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Bumped by every change the API shows: partners sync by it (updated_since).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"],
                                get_user=local_history_user)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [models.Index(fields=["customer", "status"]),
                   models.Index(fields=["updated_at", "id"], name="device_updated_idx")]

    def __str__(self):
        return self.serial

    @property
    def firmware_outdated(self):
        """Reports a firmware other than the catalogue's current one; the same rule as
        inventory.coverage.outdated_firmware_q, for one device already loaded."""
        current = self.product_model.current_firmware
        return bool(self.firmware_version and current and self.firmware_version != current)


def lens_import_path(instance, filename):
    # A random name: nobody can guess another import's file. The default storage keeps it
    # under the partner's own media folder.
    return f"lens-imports/{uuid.uuid4().hex}.csv"


class InventorySnapshot(models.Model):
    """A customer's installed base on a date, counted per category: what monthly reports
    read. Recorded by every Poly Lens import (see inventory.lens.writing.record_snapshot)."""

    class Source(models.TextChoices):
        REGISTERED = "registered", _("Registered devices")
        LENS = "lens", _("Poly Lens import")

    customer = models.ForeignKey("contracts.Customer", on_delete=models.CASCADE,
                                 related_name="inventory_snapshots",
                                 verbose_name=_("customer"))
    taken_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    lens_import = models.ForeignKey("LensImport", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("Poly Lens import"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "-created_at"]
        verbose_name = _("inventory snapshot")
        verbose_name_plural = _("inventory snapshots")
        indexes = [models.Index(fields=["customer", "taken_on"])]

    def __str__(self):
        return f"{self.customer} {self.taken_on:%Y-%m-%d}"


class SnapshotCount(models.Model):
    snapshot = models.ForeignKey(InventorySnapshot, on_delete=models.CASCADE,
                                 related_name="counts")
    category = models.CharField(_("category"), max_length=20,
                                choices=Category.choices)
    covered = models.PositiveIntegerField(_("covered"), default=0)
    uncovered = models.PositiveIntegerField(_("not covered"), default=0)

    class Meta:
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "category"],
                                               name="one_snapshot_count_per_category")]

    def __str__(self):
        return f"{self.snapshot} · {self.category}"

    @property
    def total(self):
        return self.covered + self.uncovered


class LensImport(models.Model):
    """One uploaded Poly Lens inventory export and what became of it (inventory.lens.jobs)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Failed")
        # A full export that would change too much of the installed base at once waits for
        # the uploader to confirm or discard what it would do (inventory.lens.review).
        REVIEW = "review", _("Waiting for review")
        REVIEW_DISCARDED = "review_discarded", _("Discarded after review")
        # Columns that map to no field: nothing applied until each is mapped or ignored.
        NEEDS_MAPPING = "needs_mapping", _("Columns to map")

    # The badge of each status ({% status_badge %}).
    STATUS_TONES = {Status.QUEUED: "provisioning", Status.RUNNING: "provisioning",
                    Status.SUCCEEDED: "active", Status.FAILED: "failed",
                    Status.REVIEW: "provisioning", Status.REVIEW_DISCARDED: "failed",
                    Status.NEEDS_MAPPING: "inactive"}

    customer = models.ForeignKey("contracts.Customer", on_delete=models.PROTECT,
                                 related_name="lens_imports", verbose_name=_("customer"))
    # Set when the customer's CSM uploads from the vendor console: vendor staff are not
    # users of this schema.
    uploaded_by_csm = models.EmailField(_("uploaded by the CSM"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("uploaded by"))
    file = models.FileField(_("file"), upload_to=lens_import_path, max_length=255)
    original_filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    full_export = models.BooleanField(
        _("full export"), default=True,
        help_text=_("The file lists every device of the customer: devices it does not list "
                    "are marked as not seen (they are not deleted)."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    # [{"line": int | None, "column": str, "message": str}], at most lens.jobs.MAX_ERRORS of them
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)
    devices_created = models.PositiveIntegerField(_("devices created"), default=0)
    devices_updated = models.PositiveIntegerField(_("devices updated"), default=0)
    devices_marked_missing = models.PositiveIntegerField(_("devices not seen"), default=0)
    snapshot = models.ForeignKey(InventorySnapshot, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("snapshot"))
    # While it needs mapping: [{"header": str, "samples": [str]}] of the columns that map to
    # no field, and the fields the file lacks, which they may be mapped to.
    unknown_headers = models.JSONField(_("columns to map"), default=list, blank=True)
    mappable_fields = models.JSONField(_("fields to map to"), default=list, blank=True)
    # The export's own date: the latest "Last Detected" in it (None when it has none).
    # Imports apply in this order, then in the order of upload (inventory.lens.writing).
    export_date = models.DateTimeField(_("export date"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # Bumped by every change the API shows: partners sync by it (updated_since).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Uploaded, or retried: since when it waits for a worker.
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # What the import would do, shown for review (inventory.lens.review.Review.as_dict):
    # {"base": int, "new": int, "changed": int, "not_seen": int, "share": str,
    #  "categories": [{"category", "new", "changed", "not_seen", and a "..._sample" of
    #  serials each}]}; empty when the import needed none.
    review = models.JSONField(_("review"), default=dict, blank=True)
    # A fingerprint of every device the reviewed import would touch: confirming applies it
    # only if the same devices would change in the same way.
    review_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    review_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                          null=True, blank=True, related_name="+",
                                          verbose_name=_("reviewed by"))
    review_decided_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_confirmed = models.BooleanField(_("confirmed after review"), default=False)
    # Failed for a reason of the worker's (it stopped, or an unexpected error), not of the
    # file: the same stored file may be queued again.
    can_retry = models.BooleanField(_("can be retried"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["updated_at", "id"], name="lensimport_updated_idx")]
        verbose_name = _("Poly Lens import")
        verbose_name_plural = _("Poly Lens imports")

    def __str__(self):
        return f"{self.original_filename} ({self.customer})"

    @property
    def in_progress(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def waiting_since(self):
        """When it has waited for a worker longer than a task's lease: since when (an
        operator should look at the workers); else None."""
        waited = timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        if self.status == self.Status.QUEUED and self.queued_at <= waited:
            return self.queued_at
        return None

    @property
    def applying(self):
        """Every row is checked and the devices are being written."""
        return bool(self.status == self.Status.RUNNING and self.total_rows
                    and self.processed_rows >= self.total_rows)

    @property
    def review_categories(self):
        """The preview's categories, each with its label, for the page."""
        labels = dict(Category.choices)
        return [{**values, "label": labels.get(values["category"], values["category"])}
                for values in self.review.get("categories", [])]

    @property
    def percent(self):
        """Checking the rows is most of the work: it fills the bar up to 90 %."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        return min(90, self.processed_rows * 90 // self.total_rows)


class LensHeaderMapping(models.Model):
    """What a column of Lens exports holds, for a header no alias knows: a field, or
    nothing (ignored). Said once on an import's page, then applied to the partner's later
    files (inventory.lens.headers)."""

    # normalise_header of the name: "Version du logiciel" and "version du logiciel" are one.
    key = models.CharField(_("key"), max_length=255, unique=True)
    header = models.CharField(_("column"), max_length=255)
    # A key of inventory.lens.columns.COLUMNS, or "" for a column to ignore.
    field = models.CharField(_("field"), max_length=40, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["header", "pk"]
        verbose_name = _("Lens column mapping")
        verbose_name_plural = _("Lens column mappings")

    def __str__(self):
        return f"{self.header} → {self.field or '-'}"

    @property
    def ignored(self):
        return not self.field


class Licence(models.Model):
    """A software licence of a customer, looked up by key or by the device it is bound to."""

    key = models.CharField(_("licence key"), max_length=100, unique=True)
    product_model = models.ForeignKey("catalogue.ProductModel", on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("product model"))
    seats = models.PositiveIntegerField(_("seats"), default=1)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    customer = models.ForeignKey("contracts.Customer", on_delete=models.PROTECT,
                                 related_name="licences", verbose_name=_("customer"))
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="licences", verbose_name=_("device"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self):
        return self.key

    @property
    def is_expired(self):
        """Past its expiry date, in the partner's time zone; one without a date never is."""
        return self.expires_on is not None and self.expires_on < timezone.localdate()
