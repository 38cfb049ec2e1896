import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0008_updated_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now,
                                       verbose_name='updated'),
            preserve_default=False,
        ),
        # Comments already there: written, or their last file attached.
        migrations.RunSQL(
            "UPDATE tickets_comment c SET updated_at = GREATEST(c.created_at, "
            "(SELECT MAX(a.created_at) FROM tickets_attachment a WHERE a.comment_id = c.id))",
            migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['ticket', 'updated_at', 'id'],
                               name='comment_updated_idx'),
        ),
    ]
