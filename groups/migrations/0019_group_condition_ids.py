"""Each group's condition ids in its own row, and the indexes a local search reads.

A local search tested each group in its box against the join table (an EXISTS probe per
group): at 50,000 groups that cost most of the search. condition_ids (kept by
save_group) is tested in the row instead; on PostgreSQL a GIN index serves a search by
condition alone. A partial index of the groups with meeting venues of their own lets
near() read the groups in its box and those few from one bitmap of both indexes.
"""

from django.db import migrations, models

HELP = (
    "Its conditions' ids (kept by save_group, for the search: a local search tests them "
    "in the row it reads instead of looking each group up in the join table)."
)
INDEXES = [
    "CREATE INDEX group_condition_ids_idx ON groups_group USING gin (condition_ids jsonb_path_ops)"
    " WHERE status = 'published'",
    "CREATE INDEX group_meeting_venues_idx ON groups_group (id)"
    " WHERE status = 'published' AND has_meeting_venues",
]


def fill(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    Link = Group.conditions.through
    ids: dict[int, list[int]] = {}
    for group_id, condition_id in Link.objects.values_list("group_id", "condition_id"):
        ids.setdefault(group_id, []).append(condition_id)
    changed = []
    for group in Group.objects.filter(pk__in=ids).only("pk").iterator(chunk_size=2_000):
        group.condition_ids = sorted(ids[group.pk])
        changed.append(group)
    Group.objects.bulk_update(changed, ["condition_ids"], batch_size=1_000)


def indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in INDEXES:
            schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS group_condition_ids_idx")
        schema_editor.execute("DROP INDEX IF EXISTS group_meeting_venues_idx")


class Migration(migrations.Migration):
    dependencies = [("groups", "0018_search_vector_generated")]

    operations = [
        migrations.AddField(
            model_name="group",
            name="condition_ids",
            field=models.JSONField(default=list, editable=False, help_text=HELP),
        ),
        migrations.AddField(
            model_name="historicalgroup",
            name="condition_ids",
            field=models.JSONField(default=list, editable=False, help_text=HELP),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(indexes, drop_indexes),
    ]
