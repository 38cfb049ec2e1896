from django.db import models


class PendingTask(models.Model):
    """A task to hand to the workers, written in the transaction of the change that calls
    for it: if that change commits, the task exists, whatever happens to Redis or to this
    process right after.

    One table in the public schema for every partner (the partner's schema is a column):
    a partner's transaction writes it as any other, and the sweep finds what waits in one
    query, whatever the number of partners."""

    schema_name = models.CharField(max_length=63)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # Until then nobody hands it over again: it is being handed over, a worker has it, or
    # its retry is due later. Empty: the broker could not take it.
    lease_until = models.DateTimeField(null=True, blank=True)
    handovers = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["lease_until"], name="outbox_pending", condition=models.Q(
                done_at__isnull=True, given_up_at__isnull=True)),
            models.Index(fields=["done_at"], name="outbox_done",
                         condition=models.Q(done_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk} ({self.schema_name})"
