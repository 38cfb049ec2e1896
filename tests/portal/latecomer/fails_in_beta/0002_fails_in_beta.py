from django.db import migrations


def fail_in_beta(apps, schema_editor):
    if schema_editor.connection.schema_name == "beta":
        raise RuntimeError("this migration cannot run in beta")


class Migration(migrations.Migration):
    dependencies = [("latecomer", "0001_note")]
    operations = [
        migrations.RunSQL("ALTER TABLE latecomer_note ADD COLUMN author text"),
        migrations.RunPython(fail_in_beta),
    ]
