from django.db import models


class PendingTask(models.Model):
    """A task to hand to the workers, written in the transaction of the change that calls
    for it: if that change commits, the task exists, whatever happens to Redis or to this
    process right after. Kept in the schema the task runs in."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # Until then nobody hands it over again: a worker has it, or its retry is due later.
    lease_until = models.DateTimeField(null=True, blank=True)
    handovers = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["lease_until"], condition=models.Q(
            done_at__isnull=True, given_up_at__isnull=True), name="outbox_pending")]

    def __str__(self):
        return f"{self.task} #{self.pk}"
