from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL("CREATE TABLE latecomer_note (id bigint PRIMARY KEY, body text)"),
    ]
