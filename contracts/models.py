import zoneinfo

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from portal.catalogue.models import Category

site_id_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{2,38}[A-Z0-9]$",
    _("A Site ID has 4 to 40 capital letters, digits or hyphens, e.g. NW-100201."),
)


def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Customer(models.Model):
    """An end customer of the partner, identified towards the vendor by its Site ID."""

    name = models.CharField(_("name"), max_length=200)
    site_id = models.CharField(_("Site ID"), max_length=40, unique=True,
                               validators=[site_id_validator])
    address = models.TextField(_("address"), blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # The ship-to country decides business days and public holidays for replacements.
    country = CountryField(_("country"), default="FR")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris",
                                 choices=time_zone_choices)
    language = models.CharField(_("language"), max_length=5, default="en",
                                choices=[("en", _("English")), ("fr", _("French"))])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return f"{self.name} ({self.site_id})"


class Contract(models.Model):
    """A customer's Poly+ Enterprise contract for one term."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contracts",
                                 verbose_name=_("customer"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    csm_blocks_per_month = models.PositiveSmallIntegerField(
        _("CSM blocks of 8 hours per month"), default=0)
    tam_hours = models.PositiveIntegerField(_("technical account management hours"), default=0)
    professional_services_discount = models.DecimalField(
        _("professional-services discount (%)"), max_digits=5, decimal_places=2, default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    renewal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewal",
        verbose_name=_("renewal of"),
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["-start"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="contract_ends_after_it_starts",
                                   violation_error_message=_(
                                       "The end must come after the start.")),
        ]

    def __str__(self):
        return f"{self.customer.name} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"

    @property
    def covered_categories(self):
        return [line.category for line in self.lines.all()]


class ContractLine(models.Model):
    """One covered category of a contract and its counts as agreed at the start."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    installed = models.PositiveIntegerField(_("installed"))
    growth = models.PositiveIntegerField(_("growth"), default=0)
    annual_price = models.DecimalField(
        _("annual price per device"), max_digits=10, decimal_places=2,
        validators=[MinValueValidator(0)],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["contract", "category"],
                                               name="one_line_per_category")]

    def __str__(self):
        return f"{self.contract} · {self.get_category_display()}"

    @property
    def ordered(self):
        return self.installed + self.growth


class BaselineVersion(models.Model):
    """The baselines in force from `effective_date`: the initial one, then one per
    accepted adjustment. Versions are only ever added, never changed."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE,
                                 related_name="baseline_versions")
    number = models.PositiveSmallIntegerField(_("version"))
    effective_date = models.DateField(_("effective date"))
    reason = models.CharField(_("reason"), max_length=200)
    author = models.CharField(_("author"), max_length=254)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["contract", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"],
                                               name="one_baseline_version_number")]

    def __str__(self):
        return f"{self.contract} · v{self.number}"


class BaselineEntry(models.Model):
    version = models.ForeignKey(BaselineVersion, on_delete=models.CASCADE,
                                related_name="entries")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    ordered = models.PositiveIntegerField(_("ordered"))
    # exact: ordered × (1 + allowance); shown rounded up to a whole device
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["version", "category"],
                                               name="one_entry_per_category")]

    def __str__(self):
        return f"{self.version} · {self.get_category_display()}"

    @property
    def baseline_shown(self):
        from .services import whole_devices

        return whole_devices(self.baseline)
