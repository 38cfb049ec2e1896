from django.conf import settings
from django.db import models


class FormSubmission(models.Model):
    """A creating form sent with its one-time token, and what it created: the same form sent
    again (a double click, a reload that posts again, a retry after a slow answer) is
    answered with this object instead of a second one (portal.submissions.once).

    In every partner's schema for its users, and in the public schema for the vendor
    console's. Never shown to anyone: no labels to translate."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    token = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    # "app_label.model_name" and primary key of what the form created, and where it is shown.
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token"],
                                               name="one_submission_per_form_token")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.user_id} {self.token}"
