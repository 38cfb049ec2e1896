from __future__ import annotations

import datetime
import uuid
import zoneinfo
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from portal import timezones
from portal.catalogue.models import Category
from portal.prepared import PreparedRows
from portal.programme import whole_devices
from portal.users.models import Role, User

site_id_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{2,38}[A-Z0-9]$",
    _("A Site ID has 4 to 40 capital letters, digits or hyphens, e.g. NW-100201."),
)


def time_zone_choices() -> list[tuple[str, str]]:
    """By country and city in the active language (portal/timezones.py)."""
    return timezones.time_zone_choices()


ALL_CUSTOMERS = "all"


def visible_customer_scope(user: User) -> int | str | None:
    """The rule of `CustomerQuerySet.visible_to`: ALL_CUSTOMERS for partner staff, the
    customer user's own customer's id, or None (sees no customer)."""
    if user.role in (Role.PARTNER_ADMIN, Role.PARTNER_AGENT):
        return ALL_CUSTOMERS
    if user.role == Role.CUSTOMER_USER and user.customer_id:
        return user.customer_id
    return None


def visible_customers_q(user: User, field: str = "customer") -> Q:
    """`visible_customer_scope` as a filter on rows that belong to a customer through
    `field`. Partner staff see every customer of the schema: no condition, rather than a
    join the database would make for nothing on every list and count."""
    scope = visible_customer_scope(user)
    if scope == ALL_CUSTOMERS:
        return Q()
    if scope is None:
        return Q(pk__in=[])
    return Q(**{f"{field}_id": scope})


def visible_prepared(user: User, key: str, model: type[models.Model], build: Callable,
                     params: dict | None = None, values: dict | None = None,
                     field: str = "customer") -> PreparedRows | None:
    """Rows of `model` that `user` may see, read through a PreparedQuery (portal/prepared.py):
    `build(visible, **params)` makes the queryset, `visible` being the rule of
    `visible_customers_q` on `field` with the customer as a Param. None when the user sees
    no customer (nothing to read)."""
    scope = visible_customer_scope(user)
    if scope is None:
        return None
    if scope == ALL_CUSTOMERS:
        return PreparedRows(f"{key}:all", model, lambda **given: build(Q(), **given),
                            dict(params or {}), dict(values or {}))

    def build_for_customer(visible_customer: Any, **given: Any) -> models.QuerySet:
        return build(Q(**{field: visible_customer}), **given)

    return PreparedRows(f"{key}:customer", model, build_for_customer,
                        {**(params or {}), "visible_customer": model._meta.get_field(field)},
                        {**(values or {}), "visible_customer": scope})


def customers_to_pick(user: User) -> list[dict[str, Any]]:
    """The customers `user` may pick in a list's filter, by name, as {"pk", "name",
    "site_id"}: those of `Customer.objects.visible_to(user)`, read through SQL compiled once
    per thread (every ticket list page offers them)."""
    rows = visible_prepared(
        user, "customers-to-pick", Customer,
        lambda visible: Customer.objects.filter(visible).order_by("name").values(
            "pk", "name", "site_id"), field="id")
    return rows.all() if rows is not None else []


class CustomerQuerySet(models.QuerySet["Customer"]):
    def visible_to(self, user: User) -> CustomerQuerySet:
        """What a partner-side user may see: every customer for staff, their own otherwise."""
        if user.role in (Role.PARTNER_ADMIN, Role.PARTNER_AGENT):
            return self.all()
        if user.role == Role.CUSTOMER_USER and user.customer_id:
            return self.filter(pk=user.customer_id)
        return self.none()


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
    # Bumped by every change the API shows: partners sync by it (updated_since).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at", "id"], name="customer_updated_idx")]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.name} ({self.site_id})"

    def today(self, now: datetime.datetime | None = None) -> datetime.date:
        """The date it is where the customer is (at `now`, by default at this moment)."""
        return timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(self.time_zone)).date()


def in_force_q(first_day: datetime.date, last_day: datetime.date | None = None,
               prefix: str = "") -> Q:
    """Contracts whose term meets [first_day, last_day] and that were activated: active
    ones and those expired since (`prefix` reaches a contract from a related model)."""
    return Q(**{f"{prefix}status__in": Contract.IN_FORCE_STATUSES,
                f"{prefix}start__lte": last_day or first_day, f"{prefix}end__gte": first_day})


class ContractQuerySet(models.QuerySet["Contract"]):
    def visible_to(self, user: User) -> ContractQuerySet:
        return self.filter(visible_customers_q(user))

    def in_force(self, first_day: datetime.date,
                 last_day: datetime.date | None = None) -> ContractQuerySet:
        """In force on `first_day` (or at some time up to `last_day`), even if expired
        since: what reports and counts of the past read."""
        return self.filter(in_force_q(first_day, last_day))

    def active(self) -> ContractQuerySet:
        """Not expired: what covers devices and entitles downloads and replacements now."""
        return self.filter(status=Contract.Status.ACTIVE)


class Contract(models.Model):
    """A customer's Poly+ Enterprise contract for one term."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")

    IN_FORCE_STATUSES = (Status.ACTIVE, Status.EXPIRED)
    # The badge of each status ({% status_badge %}).
    STATUS_TONES = {Status.DRAFT: "draft", Status.ACTIVE: "active", Status.EXPIRED: "expired"}

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
    # Bumped by every change the API shows: partners sync by it (updated_since).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["updated_at", "id"], name="contract_updated_idx")]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="contract_ends_after_it_starts",
                                   violation_error_message=_(
                                       "The end must come after the start.")),
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"

    @property
    def covered_categories(self) -> list[str]:
        return [line.category for line in self.lines.all()]

    def baseline_version_on(self, day: datetime.date) -> BaselineVersion | None:
        """The baseline version in force on `day`: the latest effective by then, or the
        first one for a day before it."""
        return self.baseline_versions.in_force_first(day).first()


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

    def __str__(self) -> str:
        return f"{self.contract} · {self.get_category_display()}"

    @property
    def ordered(self) -> int:
        return self.installed + self.growth


class BaselineVersionQuerySet(models.QuerySet["BaselineVersion"]):
    def in_force_first(self, day: datetime.date) -> BaselineVersionQuerySet:
        """The version in force on `day` first: the latest effective by then, or the first
        one for a day before them all."""
        effective = Q(effective_date__lte=day)
        rank: models.IntegerField = models.IntegerField()
        return self.order_by(
            models.Case(models.When(effective, then=models.Value(0)),
                        default=models.Value(1), output_field=rank),
            models.Case(models.When(effective, then=-models.F("number")),
                        default=models.F("number"), output_field=rank))


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

    objects = BaselineVersionQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"],
                                               name="one_baseline_version_number")]

    def __str__(self) -> str:
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

    def __str__(self) -> str:
        return f"{self.version} · {self.get_category_display()}"

    @property
    def baseline_shown(self) -> int:
        return whole_devices(self.baseline)


def authorisation_letter_path(instance: AuthorisationLetter, filename: str) -> str:
    # A random name: nobody can guess another letter's file, and the name says nothing
    # about the customer. The default storage keeps it under the partner's own media
    # folder (one per schema). Only the suffix is kept, and the service has already set it
    # from the file's content (.pdf, .png or .jpg).
    suffix = PurePath(filename).suffix.lower()
    if suffix not in (".pdf", ".png", ".jpg"):
        suffix = ""
    return f"authorisation-letters/{uuid.uuid4().hex}{suffix}"


class AuthorisationLetter(models.Model):
    """A customer's signed letter allowing the partner to open incidents with cloud
    partners on its behalf (SPEC §7). A withdrawn letter is revoked, never deleted."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        NOT_YET_VALID = "not_yet_valid", _("Not yet valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    # The badge of each status on a day ({% status_badge letter status %}).
    STATUS_TONES = {Status.VALID: "active", Status.NOT_YET_VALID: "provisioning",
                    Status.EXPIRED: "failed", Status.REVOKED: "inactive"}

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT,
                                 related_name="authorisation_letters",
                                 verbose_name=_("customer"))
    file = models.FileField(_("file"), upload_to=authorisation_letter_path, max_length=255)
    original_filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    signatory = models.CharField(_("signed by"), max_length=200)
    signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"))
    expires_on = models.DateField(_("expires on"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("revoked by"))

    # Who uploaded and who revoked are the history's own user; the columns stay for display.
    history = HistoricalRecords(excluded_fields=["uploaded_at", "uploaded_by", "revoked_by"])

    class Meta:
        ordering = ["-expires_on", "-uploaded_at"]
        verbose_name = _("authorisation letter")
        verbose_name_plural = _("authorisation letters")
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_on__gt=models.F("signed_on")),
                                   name="authorisation_letter_expires_after_signature",
                                   violation_error_message=_(
                                       "The expiry date must come after the signature date.")),
        ]
        indexes = [models.Index(fields=["customer", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.customer.name} · {self.signatory} {self.signed_on:%Y-%m-%d}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def status_on(self, on_date: datetime.date) -> AuthorisationLetter.Status:
        """Valid from the day it was signed to its expiry date, both included."""
        if self.is_revoked:
            return self.Status.REVOKED
        if on_date < self.signed_on:
            return self.Status.NOT_YET_VALID
        if on_date > self.expires_on:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def download_name(self) -> str:
        return self.original_filename or PurePath(self.file.name).name
