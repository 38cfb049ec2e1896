from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0003_rma"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="rma",
            index=models.Index(fields=["requested_at", "id"], name="rma_requested_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["created_at"], name="ticket_created_idx"),
        ),
    ]
