from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.catalogue.models import Category
from portal.users.history import local_history_user

from .report_figures import ReportFigures


def report_pdf_path(instance, filename):
    return (f"reports/{connection.schema_name}/"
            f"{instance.customer_id}-{instance.month:%Y-%m}-{instance.pk}.pdf")


class MonthlyReport(models.Model):
    """Baseline versus actual of one customer for one month (SPEC §9). The figures are
    computed once, when the report is generated, and kept as they were."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")
        PUBLISHED = "published", _("Published")

    customer = models.ForeignKey("contracts.Customer", on_delete=models.PROTECT,
                                 related_name="monthly_reports", verbose_name=_("customer"))
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="monthly_reports", verbose_name=_("contract"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    figures = models.JSONField(_("figures"), encoder=DjangoJSONEncoder, default=dict)
    csm_notes = models.TextField(_("CSM's notes"), blank=True)
    generated_at = models.DateTimeField(_("generated"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.CharField(_("reviewed by"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.CharField(_("published by"), max_length=200, blank=True)
    # Drawn once on publication, so what was published stays what it was.
    pdf = models.FileField(_("PDF"), upload_to=report_pdf_path, blank=True, max_length=255)
    # Bumped by every change the API shows: partners sync by it (updated_since).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["figures", "pdf", "updated_at"],
                                get_user=local_history_user)

    class Meta:
        ordering = ["-month", "customer__name"]
        indexes = [models.Index(fields=["updated_at", "id"], name="report_updated_idx")]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [models.UniqueConstraint(fields=["customer", "month"],
                                               name="one_report_per_customer_and_month")]

    def __str__(self):
        return f"{self.customer} {self.month:%Y-%m}"

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def read_figures(self):
        """The stored figures, typed, whichever format version they were kept in; None for
        a report whose figures were never computed."""
        return ReportFigures.from_json(self.figures) if self.figures else None


class ReportRun(models.Model):
    """A partner-wide generation of one month's reports, followed on a progress page. It
    ends when every customer's report is done or has failed (after its retries)."""

    month = models.DateField(_("month"))
    requested_by = models.CharField(_("requested by"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("reports"), default=0)
    # Counted from the run's items, under the run's lock: a task delivered twice counts once.
    done = models.PositiveIntegerField(_("done"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.done}/{self.total}"

    @property
    def remaining(self):
        return max(0, self.total - self.done - self.failed)

    @property
    def has_ended(self):
        return self.remaining == 0

    @property
    def percent(self):
        """Share of the reports settled, done or failed."""
        settled = self.done + self.failed
        return 100 if not self.total else min(100, settled * 100 // self.total)

    def waiting_since(self):
        """When a report of the run has waited for a worker longer than a task's lease:
        since when (an operator should look at the workers); else None."""
        if self.has_ended:
            return None
        oldest = self.items.filter(status=ReportRunItem.Status.QUEUED).aggregate(
            oldest=Min("updated_at"))["oldest"]
        waited = timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        return oldest if oldest is not None and oldest <= waited else None

    # /metrics counts runs by the same rule, written in SQL for the trigger that keeps its
    # counts (consoleindex_report_run_status(), consoleindex migration 0008).
    @property
    def status_label(self):
        if not self.has_ended:
            return _("Running")
        return _("Finished with failures") if self.failed else _("Finished")


class ReportRunItem(models.Model):
    """One customer's report within a run: queued, then done, or failed with its reason."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey("contracts.Customer", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("customer"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["customer__name"]
        constraints = [models.UniqueConstraint(fields=["run", "customer"],
                                               name="one_item_per_run_and_customer")]

    def __str__(self):
        return f"{self.run_id} {self.customer_id} {self.status}"


class CsmHours(models.Model):
    """Time a CSM spent for a customer, against the contract's purchased 8-hour blocks."""

    customer = models.ForeignKey("contracts.Customer", on_delete=models.PROTECT,
                                 related_name="csm_hours", verbose_name=_("customer"))
    worked_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    description = models.CharField(_("what was done"), max_length=300)
    csm_name = models.CharField(_("CSM"), max_length=200)
    csm_email = models.EmailField(_("CSM's e-mail"))
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        ordering = ["-worked_on", "-pk"]
        verbose_name = _("CSM hours")
        verbose_name_plural = _("CSM hours")
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0),
                                              name="csm_hours_positive")]

    def __str__(self):
        return f"{self.customer} {self.worked_on} {self.hours} h"


class TamHours(models.Model):
    """Technical account management time spent on a contract, against the hours bought on
    it for the term (`Contract.tam_hours`); logged as CSM hours are."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="tam_hours_logged", verbose_name=_("contract"))
    worked_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    description = models.CharField(_("what was done"), max_length=300)
    engineer_name = models.CharField(_("technical account manager"), max_length=200)
    engineer_email = models.EmailField(_("technical account manager's e-mail"))
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        ordering = ["-worked_on", "-pk"]
        verbose_name = _("technical account management hours")
        verbose_name_plural = _("technical account management hours")
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0),
                                              name="tam_hours_positive")]

    def __str__(self):
        return f"{self.contract_id} {self.worked_on} {self.hours} h"


class TrueUpQuote(models.Model):
    """A mid-term adjustment offered to the partner (SPEC §9)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Superseded")

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="quotes",
                               verbose_name=_("report"))
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="true_up_quotes", verbose_name=_("contract"))
    adjustment_month = models.DateField(_("adjustment month"))
    term_end = models.DateField(_("end of the term"))
    months = models.PositiveSmallIntegerField(_("months"))
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ISSUED)
    issued_by = models.CharField(_("issued by"), max_length=200)
    issued_at = models.DateTimeField(_("issued"))
    po_number = models.CharField(_("purchase-order number"), max_length=60, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    baseline_version = models.OneToOneField(
        "contracts.BaselineVersion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="true_up_quote", verbose_name=_("baseline version"))
    # Bumped by every change the API shows: partners sync by it (updated_since).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], get_user=local_history_user)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["updated_at", "id"], name="quote_updated_idx")]
        verbose_name = _("true-up quote")
        verbose_name_plural = _("true-up quotes")
        constraints = [models.UniqueConstraint(
            fields=["contract"], condition=models.Q(status="issued"),
            name="one_open_quote_per_contract")]

    def __str__(self):
        return self.reference

    @property
    def reference(self):
        return f"Q-{self.pk:06d}"


class TrueUpQuoteLine(models.Model):
    quote = models.ForeignKey(TrueUpQuote, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    ordered = models.PositiveIntegerField(_("ordered"))
    actual = models.PositiveIntegerField(_("actual"))
    added = models.PositiveIntegerField(_("added devices"))
    annual_price = models.DecimalField(_("annual unit price"), max_digits=10, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("months"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["category"]

    def __str__(self):
        return f"{self.quote_id} {self.category}"
