import django.utils.timezone
from django.db import migrations, models

# Rows already there: the latest time the row itself shows, else the migration's; then
# `manage.py rebuild_console_index` sets each to its source rows' own updated_at.
FILL = {
    "consoleindex_indexedticket": "escalated_at, first_response_at, resolved_at",
    "consoleindex_indexedrma": "requested_at, shipped_at",
    "consoleindex_indexedreport": "generated_at, published_at",
    "consoleindex_indexedquote": "issued_at, decided_at",
}


class Migration(migrations.Migration):

    dependencies = [
        ("consoleindex", "0006_true_up_quotes"),
    ]

    operations = [
        *[migrations.AddField(
            model_name=model_name,
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ) for model_name in ("indexedcustomer", "indexedquote", "indexedreport",
                             "indexedrma", "indexedticket")],
        *[migrations.RunSQL(
            f"UPDATE {table} SET updated_at = COALESCE(GREATEST({columns}), updated_at)",
            migrations.RunSQL.noop) for table, columns in FILL.items()],
        migrations.AddIndex(
            model_name="indexedcustomer",
            index=models.Index(fields=["updated_at", "id"],
                               name="consoleindex_customer_updated"),
        ),
        migrations.AddIndex(
            model_name="indexedreport",
            index=models.Index(fields=["updated_at", "id"], name="consoleindex_report_updated"),
        ),
        migrations.AddIndex(
            model_name="indexedticket",
            index=models.Index(fields=["updated_at", "id"], name="consoleindex_ticket_updated"),
        ),
    ]
