"""Three indexes of the devices table that no query uses, and that every Lens import pays
for on each device it writes:

- customer_id alone: the (customer, status) index serves every lookup by customer, the
  foreign key's checks included;
- serial with varchar_pattern_ops, which Django adds to a unique text field for LIKE
  'prefix%' lookups: serials are found by equality (the unique index) or by
  icontains, which no B-tree serves;
- mac_address: MAC addresses are only searched with icontains.

A later AlterField of `serial` could bring the pattern index back: drop it again then.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0003_customer_address_customer_city_customer_country_and_more'),
        ('inventory', '0004_lens_import_uploaded_by_csm'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='device',
            name='inventory_d_mac_add_8a8dcb_idx',
        ),
        migrations.AlterField(
            model_name='device',
            name='customer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='devices', to='contracts.customer', verbose_name='customer'),
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS inventory_device_serial_cc4b4fee_like",
            reverse_sql="CREATE INDEX inventory_device_serial_cc4b4fee_like "
                        "ON inventory_device (serial varchar_pattern_ops)",
        ),
    ]
