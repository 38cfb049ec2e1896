from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Ticket(models.Model):
    class Category(models.TextChoices):
        TECHNICAL = "technical", _("Technical")
        SOFTWARE = "software", _("Software and firmware")
        CLOUD = "cloud", _("Cloud ecosystem")
        HARDWARE = "hardware", _("Hardware")
        ACCOUNT = "account", _("Account and billing")
        OTHER = "other", _("Other")

    class Priority(models.TextChoices):
        P1 = "P1", _("P1 — critical")
        P2 = "P2", _("P2 — high")
        P3 = "P3", _("P3 — medium")
        P4 = "P4", _("P4 — low")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey("contracts.Customer", on_delete=models.PROTECT,
                                 related_name="tickets", verbose_name=_("customer"))
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                default=Category.TECHNICAL)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices,
                                default=Priority.P3)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.NEW)
    device = models.ForeignKey("inventory.Device", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="tickets", verbose_name=_("device"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+", verbose_name=_("opened by"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="assigned_tickets",
                                 verbose_name=_("assignee"))
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                      related_name="watched_tickets",
                                      verbose_name=_("watchers"))
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def reference(self):
        return f"T-{self.pk:06d}"


class Comment(models.Model):
    """A public answer, or an internal note that customer users never see."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                               null=True, related_name="+", verbose_name=_("author"))
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"{self.ticket.reference} · {self.created_at:%Y-%m-%d %H:%M}"
