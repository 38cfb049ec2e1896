from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("A ticket is opened")
    TICKET_UPDATED = "ticket.updated", _("A ticket changes or gets a public answer")
    TICKET_RESOLVED = "ticket.resolved", _("A ticket is resolved")
    RMA_STATUS_CHANGED = "rma.status_changed", _("A replacement moves to another step")
    REPORT_PUBLISHED = "report.published", _("A monthly report is published")
    TRUE_UP_QUOTED = "true_up.quoted", _("A true-up quote is issued")


class Endpoint(models.Model):
    """Where a partner wants to be told of changes; deliveries are signed with `secret`."""

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40, choices=Event.choices),
                        verbose_name=_("events"))
    # Kept to sign each delivery; shown once, when the endpoint is created.
    secret = models.CharField(max_length=80)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("last status code"), null=True,
                                                   blank=True)
    duration_ms = models.PositiveIntegerField(_("last duration (ms)"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event} → {self.endpoint_id}"
