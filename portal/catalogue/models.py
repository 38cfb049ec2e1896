"""The vendor's product catalogue, kept in the public schema and read by every partner."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    HEADSETS = "headsets", _("Headsets and personal devices")
    VIDEO = "video", _("Video")
    VOICE = "voice", _("Voice")


class QuoteOnlyLine(models.TextChoices):
    """Lines never covered by the standard programme: they need a custom quote."""

    NONE = "", _("Standard programme")
    ITP = "itp", _("Immersive Telepresence (ITP)")
    MEDIALIGN = "medialign", _("Poly Medialign")
    TELEHEALTH = "telehealth", _("Telehealth Station")
    EDUCART = "educart", _("EduCart")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")


class ProductModel(models.Model):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    family = models.CharField(_("family"), max_length=60)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    quote_only_line = models.CharField(
        _("quote-only line"), max_length=20, choices=QuoteOnlyLine.choices, blank=True,
        help_text=_("Set for lines that are never covered by the standard programme."),
    )
    end_of_life = models.DateField(_("end of life"), null=True, blank=True)
    end_of_service = models.DateField(_("end of service"), null=True, blank=True)
    list_price = models.DecimalField(
        _("list price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    current_firmware = models.CharField(_("current firmware version"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "family", "name"]
        verbose_name = _("product model")
        verbose_name_plural = _("product models")

    def __str__(self):
        return f"{self.name} ({self.sku})"

    @property
    def is_quote_only(self):
        return bool(self.quote_only_line)


class SparePart(models.Model):
    part_number = models.CharField(_("part number"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200)
    compatible_models = models.ManyToManyField(
        ProductModel, related_name="spare_parts", verbose_name=_("compatible models")
    )

    class Meta:
        ordering = ["part_number"]
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")

    def __str__(self):
        return f"{self.part_number} — {self.description}"
