import uuid
from datetime import time
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_public_schema_name, schema_exists

from portal import timezones

from .references import PREFIX_PATTERN, qualified, reference_prefix_for

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # followed by six hexadecimal digits.")
)
slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$",
    _("Use 3 to 32 lower-case letters, digits and hyphens, starting with a letter."),
)

# Values that go into e-mail headers (the sender's name, which is the partner's name when
# left empty): a line break there would stop every e-mail of the partner.
single_line_validator = RegexValidator(
    r"[\r\n]", _("Keep this on one line."), inverse_match=True, code="line_break"
)
reference_prefix_validator = RegexValidator(
    PREFIX_PATTERN, _("Use 2 to 6 capital letters.")
)

weekdays_validator = RegexValidator(
    r"^[0-6]{1,7}$", _("List the working days as digits, Monday = 0 to Sunday = 6.")
)


def time_zone_choices() -> list[tuple[str, str]]:
    """By country and city in the active language (portal/timezones.py)."""
    return timezones.time_zone_choices()


def branding_storage():
    # Logos are read from the console and from the partner's portal alike: their names
    # carry the partner's prefix themselves rather than following the schema being served.
    return storages["root"]


def logo_path(instance, filename):
    return f"{instance.schema_name}/branding/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


# Callables rather than fixed times: Django's checks take a fixed time default for a
# mistake when the clock is within seconds of it.
def default_support_opens():
    return time(9, 0)


def default_support_closes():
    return time(18, 0)


class DateOrder(models.TextChoices):
    DAY_FIRST = "dmy", _("Day first (31/12/2026)")
    MONTH_FIRST = "mdy", _("Month first (12/31/2026)")


class PartnerQuerySet(models.QuerySet):
    def partners(self):
        return self.exclude(schema_name=get_public_schema_name())

    def active(self):
        """Partners whose portal is up: the one filter of tasks and console reads."""
        return self.partners().filter(status=Partner.Status.ACTIVE)


class Partner(TenantMixin):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        ACTIVE = "active", _("Active")
        FAILED = "failed", _("Provisioning failed")

    # The badge of each status ({% status_badge %}).
    STATUS_TONES = {Status.PROVISIONING: "provisioning", Status.ACTIVE: "active",
                    Status.FAILED: "failed"}

    name = models.CharField(_("name"), max_length=120, validators=[single_line_validator])
    slug = models.SlugField(_("slug"), max_length=32, unique=True, validators=[slug_validator])
    # Qualifies the partner's references in the console (NW-T-000002); the vendor has none.
    reference_prefix = models.CharField(
        _("reference prefix"), max_length=6, unique=True, null=True, blank=True,
        validators=[reference_prefix_validator],
        help_text=_("2 to 6 capital letters put before the partner's ticket and replacement "
                    "numbers in the vendor console, e.g. NW-T-000002."))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROVISIONING
    )
    logo = models.ImageField(
        _("logo"), upload_to=logo_path, storage=branding_storage, blank=True,
        help_text=_("For light backgrounds: the login page, e-mails and PDF reports."))
    # A white or light logo vanishes on white: the header shows this one when its
    # background (the primary colour) is dark.
    logo_on_dark = models.ImageField(
        _("logo for dark backgrounds"), upload_to=logo_path, storage=branding_storage,
        blank=True, help_text=_("Shown in the header when the primary colour is dark."))
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1f4e79", validators=[colour_validator]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#f28c28", validators=[colour_validator]
    )
    support_phone = models.CharField(_("support phone"), max_length=40, blank=True,
                                     validators=[single_line_validator])
    support_email = models.EmailField(_("support e-mail"), blank=True)
    email_sender_name = models.CharField(_("e-mail sender name"), max_length=120, blank=True,
                                         validators=[single_line_validator])
    # Set by the vendor once the partner's domain lets the vendor's mail servers send for it
    # (SPF, DKIM); empty: the vendor's address (EMAIL_FROM_ADDRESS).
    email_sender_address = models.EmailField(
        _("e-mail sender address"), blank=True,
        help_text=_("The address the partner's e-mails come from. Leave empty to send from "
                    "the programme's address."))
    default_language = models.CharField(
        _("default language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    # English dates of the partner's portal, PDFs and e-mails (French is always day first).
    date_order = models.CharField(_("date format"), max_length=3, choices=DateOrder.choices,
                                  default=DateOrder.DAY_FIRST)
    # Support hours: the clock of P3/P4 tickets (SPEC §7).
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris",
                                 choices=time_zone_choices)
    support_opens = models.TimeField(_("support opens"), default=default_support_opens)
    support_closes = models.TimeField(_("support closes"), default=default_support_closes)
    support_days = models.CharField(
        _("support days"), max_length=7, default="01234", validators=[weekdays_validator],
        help_text=_("Working days, Monday = 0."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The last e-mail of the partner that could not be sent, until one is sent again: shown
    # on its branding page and in the console, so that e-mail never fails silently.
    email_failed_at = models.DateTimeField(_("e-mail failed at"), null=True, blank=True)
    email_failure = models.CharField(_("e-mail failure"), max_length=300, blank=True)

    # The schema is created by the provisioning task, not while the console request waits.
    auto_create_schema = False
    auto_drop_schema = False

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.reference_prefix and not self.is_vendor:
            self.reference_prefix = reference_prefix_for(
                self.name, self.slug, Partner.objects.exclude(pk=self.pk).filter(
                    reference_prefix__isnull=False).values_list("reference_prefix", flat=True))
        super().save(*args, **kwargs)

    def qualified(self, reference):
        """`reference` (T-000002) as the console shows it: NW-T-000002."""
        return qualified(self.reference_prefix, reference)

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Creates the partner's schema from the template of a migrated schema (see
        portal/tenants/template.py): well under a second, however many partners exist."""
        if check_if_exists and schema_exists(self.schema_name):
            return False
        if not sync_schema:
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        # template.py reaches this module through schemas.py: a cycle at start-up.
        from .template import create_schema_from_template

        create_schema_from_template(self.schema_name)
        return True

    @property
    def is_vendor(self):
        return self.schema_name == get_public_schema_name()

    @cached_property
    def primary_domain(self):
        domain = self.domains.filter(is_primary=True).first() or self.domains.first()
        return domain.domain if domain else ""

    def absolute_url(self, path="/"):
        port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
        return f"{settings.SITE_SCHEME}://{self.primary_domain}{port}{path}"

    def clean(self):
        super().clean()
        if self.support_opens and self.support_closes and self.support_opens >= self.support_closes:
            raise ValidationError({"support_closes": _("Support must close after it opens.")})

    @property
    def header_is_dark(self):
        from .services import is_dark  # services imports this module

        return is_dark(self.primary_colour)

    @property
    def header_logo_is_dark(self):
        """True when the header shows the logo for dark backgrounds (its primary colour is
        dark and it has one); otherwise it shows the light-background logo on a white
        tile."""
        return bool(self.logo_on_dark) and self.header_is_dark

    @property
    def has_header_logo(self):
        return self.header_logo_is_dark or bool(self.logo)

    @property
    def sender_name(self):
        return self.email_sender_name or self.name


class Domain(DomainMixin):
    class Meta:
        ordering = ["-is_primary", "domain"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self):
        return self.domain
