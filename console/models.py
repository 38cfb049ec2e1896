from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CsmAssignment(models.Model):
    """Which vendor CSM looks after a partner's customer.

    Kept in the public schema beside the CSM's account; the customer itself lives in the
    partner's schema, hence a plain id rather than a foreign key.
    """

    partner = models.ForeignKey("tenants.Partner", on_delete=models.CASCADE,
                                related_name="csm_assignments")
    customer_id = models.PositiveBigIntegerField()
    csm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                            related_name="csm_assignments", verbose_name=_("CSM"),
                            limit_choices_to={"role": "csm"})
    assigned_at = models.DateTimeField(_("assigned"), auto_now=True)

    class Meta:
        verbose_name = _("CSM assignment")
        constraints = [models.UniqueConstraint(fields=["partner", "customer_id"],
                                               name="one_csm_per_customer")]

    def __str__(self):
        return f"{self.partner.slug}/{self.customer_id} → {self.csm.email}"
