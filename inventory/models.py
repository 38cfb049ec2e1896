from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """One device of a customer's installed base."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        REPLACED = "replaced", _("Replaced")

    serial = models.CharField(_("serial number"), max_length=60, unique=True)
    product_model = models.ForeignKey(
        "catalogue.ProductModel", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("product model"),
    )
    customer = models.ForeignKey(
        "contracts.Customer", on_delete=models.PROTECT, related_name="devices",
        verbose_name=_("customer"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self):
        return self.serial
