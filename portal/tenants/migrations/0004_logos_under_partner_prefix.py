"""Logos were named logos/<random> in a media folder of their own (branding/); every file
of a partner now starts with the partner's schema name: <schema>/branding/<random>.

Logos still in the old local folder move with their names; a logo already missing keeps
its new name (it answers 404, as before)."""

from pathlib import Path, PurePath

from django.conf import settings
from django.db import migrations


def move_logos(apps, schema_editor):
    Partner = apps.get_model("tenants", "Partner")
    media_root = Path(settings.MEDIA_ROOT)
    for pk, schema_name, old in (Partner.objects.filter(logo__startswith="logos/")
                                 .values_list("pk", "schema_name", "logo")):
        new = f"{schema_name}/branding/{PurePath(old).name}"
        source = media_root / "branding" / old
        if source.is_file():
            target = media_root / new
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)
        Partner.objects.filter(pk=pk).update(logo=new)


class Migration(migrations.Migration):

    dependencies = [
        ("tenants", "0003_support_hours_defaults"),
    ]

    operations = [
        migrations.RunPython(move_logos, migrations.RunPython.noop, elidable=True),
    ]
