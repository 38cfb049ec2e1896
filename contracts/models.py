from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """An end customer of the partner, identified towards the vendor by its Site ID."""

    name = models.CharField(_("name"), max_length=200)
    site_id = models.CharField(_("Site ID"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return f"{self.name} ({self.site_id})"
