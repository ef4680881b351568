"""Each group's search codes, held by the position index beside the position.

A search near a place by a meeting's day and time, format or audience tested those values
in each row the position index gave it (0025): for a value one group in ten has, the KNN
probe and the page's band read ten groups for each they kept, so a directory ten times
denser read about three times more. The codes (models.search_codes, kept by save_group and
create_groups, services._prepare, and by generate_groups) are a second column of the GiST
position index (intarray's gist__int_ops over group_search_codes(), a function of ours), so
the index skips groups without a wanted code as it reads (PostgreSQL only).
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

HELP = (
    "Codes of its meetings' days and times, formats, audiences and access "
    "(kept by save_group, for the search: models.search_codes)."
)
COVERED = (
    "id, latitude, longitude, name, format, orientation, group_type_id, referral, step_free,"
    " has_meeting_venues, has_meetings, paused, paused_until, last_verified, condition_ids,"
    " audience_ids, meeting_keys"
)
WHERE = "WHERE status = 'published' AND latitude IS NOT NULL"
CODES_FUNCTION = """
CREATE FUNCTION group_search_codes(codes jsonb) RETURNS int4[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ARRAY(SELECT e::pg_catalog.int4 FROM pg_catalog.jsonb_array_elements_text(codes) AS e) $$
"""
WITH_CODES = (
    "CREATE INDEX group_earth_idx ON groups_group USING gist (group_earth(latitude, longitude),"
    f" group_search_codes(search_codes) gist__int_ops) INCLUDE ({COVERED}) {WHERE}"
)
WITHOUT = (
    "CREATE INDEX group_earth_idx ON groups_group USING gist (group_earth(latitude, longitude))"
    f" INCLUDE ({COVERED}) {WHERE}"
)
PARTS = ("morning", "afternoon", "evening")
FORMATS = {"in_person": 30, "online": 31, "hybrid": 32}


def _codes(keys: list[str], fmt: str, audience_ids: list[int], step_free: str) -> list[int]:
    """models.search_codes() as it is at this migration."""
    if not keys:
        formats, audiences = {fmt}, set(audience_ids)
        here = step_free == "yes" and fmt != "online"
    else:
        formats = {k.removeprefix("format:") or fmt for k in keys if k.startswith("format:")}
        audiences = {int(k[9:]) for k in keys if k.startswith("audience:") and k != "audience:"}
        if "audience:" in keys:
            audiences |= set(audience_ids)
        here = "venue:step_free" in keys or ("venue:" in keys and step_free == "yes")
    codes = {int(k[0]) * 3 + PARTS.index(k[2:]) for k in keys if k[0].isdigit()}
    codes |= {FORMATS[f] for f in formats if f in FORMATS}
    codes |= {1000 + pk for pk in audiences}
    return sorted(codes | ({40} if here else set()))


def fill(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    fields = ["pk", "meeting_keys", "format", "audience_ids", "step_free"]
    changed = []
    for group in Group.objects.only(*fields).iterator(chunk_size=2_000):
        group.search_codes = _codes(
            group.meeting_keys, group.format, group.audience_ids, group.step_free
        )
        changed.append(group)
    Group.objects.bulk_update(changed, ["search_codes"], batch_size=1_000)


def _sql(*statements: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("groups", "0025_group_audience_ids_meeting_keys")]

    operations = [
        CreateExtension("intarray"),
        migrations.AddField(
            model_name="group",
            name="search_codes",
            field=models.JSONField(default=list, editable=False, help_text=HELP),
        ),
        migrations.AddField(
            model_name="historicalgroup",
            name="search_codes",
            field=models.JSONField(default=list, editable=False, help_text=HELP),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(
            _sql(CODES_FUNCTION, "DROP INDEX IF EXISTS group_earth_idx", WITH_CODES),
            _sql(
                "DROP INDEX IF EXISTS group_earth_idx",
                "DROP FUNCTION IF EXISTS group_search_codes(jsonb)",
                WITHOUT,
            ),
        ),
    ]
