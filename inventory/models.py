from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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
    customer = models.ForeignKey(
        "contracts.Customer", on_delete=models.PROTECT, related_name="devices",
        verbose_name=_("customer"),
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["serial"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [models.Index(fields=["customer", "status"]),
                   models.Index(fields=["mac_address"])]

    def __str__(self):
        return self.serial
