"""Each partner gets a reference prefix (NW-T-000002 in the console), derived from its name
as at onboarding; the vendor's own row has none."""

import django.core.validators
from django.db import migrations, models

from portal.tenants.references import reference_prefix_for


def give_prefixes(apps, schema_editor):
    Partner = apps.get_model("tenants", "Partner")
    taken = set()
    for partner in Partner.objects.exclude(schema_name="public").order_by("pk"):
        partner.reference_prefix = reference_prefix_for(partner.name, partner.slug, taken)
        taken.add(partner.reference_prefix)
        partner.save(update_fields=["reference_prefix"])


class Migration(migrations.Migration):

    dependencies = [
        ("tenants", "0006_partner_email_failure_and_single_line_branding"),
    ]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="reference_prefix",
            field=models.CharField(
                blank=True, help_text="2 to 6 capital letters put before the partner's ticket and replacement numbers in the vendor console, e.g. NW-T-000002.",
                max_length=6, null=True, unique=True, verbose_name="reference prefix",
                validators=[django.core.validators.RegexValidator(
                    "^[A-Z]{2,6}$", "Use 2 to 6 capital letters.")]),
        ),
        migrations.RunPython(give_prefixes, migrations.RunPython.noop),
    ]
