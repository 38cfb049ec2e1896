from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The answer given to a creating request sent with an `Idempotency-Key`, so that the
    same request sent again gets the same answer instead of creating a second object.
    Kept in the partner's schema, beside the users it belongs to (portal.api.idempotency).
    Never shown to anyone: no labels to translate."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    # SHA-256 of the method, the path and the body: the same key with another request
    # is refused rather than answered with the first request's result.
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True)
    response_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="one_idempotency_key_per_user")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.user_id} {self.key}"
