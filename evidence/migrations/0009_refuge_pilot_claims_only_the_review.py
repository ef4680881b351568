"""The refuge pilot's finding loses a sentence of our own advice ("a reason to keep such
groups' locations private") that the review does not make. Only the shipped wording is
replaced, so a finding an editor has since rewritten stays as they left it."""

from django.db import migrations

KEY = "review-authors-refuge-pilot"
ADVICE = " It is a reason to keep such groups' locations private."


def drop_advice(apps, schema_editor):
    Evidence = apps.get_model("evidence", "Evidence")
    for record in Evidence.objects.filter(key=KEY, finding__endswith=ADVICE):
        record.finding = record.finding.removesuffix(ADVICE)
        record.save(update_fields=["finding"])


class Migration(migrations.Migration):
    dependencies = [("evidence", "0008_refresh_shipped_records")]
    operations = [migrations.RunPython(drop_advice, migrations.RunPython.noop)]
