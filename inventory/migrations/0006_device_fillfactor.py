"""Half of each page of the devices table is left free.

Every full Poly Lens export moves "last seen" forward on every device it lists, so an
import rewrites most of a customer's devices. With room on the page, PostgreSQL keeps each
new row version there and leaves the indexes alone (a HOT update): several times quicker
than writing the version elsewhere and adding it to every index, as happens with full
pages. The next import finds the room again once the old versions are pruned.

The table takes twice the space. Pages already written keep their layout until rewritten.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0005_device_fewer_indexes'),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE inventory_device SET (fillfactor = 50)",
            reverse_sql="ALTER TABLE inventory_device RESET (fillfactor)",
        ),
    ]
