"""Whether each group has meetings, in its own row.

A search by a meeting's format, audience, access or language also finds groups with no
meetings by their own values. Asked as NOT EXISTS(meetings), PostgreSQL planned it as a
hashed subplan that read every meeting in the directory (about 72,000 at 50,000 groups)
on each such search. has_meetings is kept by save_group and create_groups (services
._prepare) and by generate_groups; this fills it from the meetings there are.
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef

HELP = (
    "It has meetings (kept by save_group, for the search: a group with none is searched "
    "by its own format, audiences, access and languages)."
)


def fill(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    Meeting = apps.get_model("groups", "Meeting")
    Group.objects.filter(Exists(Meeting.objects.filter(group=OuterRef("pk")))).update(
        has_meetings=True
    )


class Migration(migrations.Migration):
    dependencies = [("groups", "0020_trigram_commutator_cost")]

    operations = [
        migrations.AddField(
            model_name="group",
            name="has_meetings",
            field=models.BooleanField(default=False, editable=False, help_text=HELP),
        ),
        migrations.AddField(
            model_name="historicalgroup",
            name="has_meetings",
            field=models.BooleanField(default=False, editable=False, help_text=HELP),
        ),
        # Going back drops the column, so there is nothing to undo here.
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
