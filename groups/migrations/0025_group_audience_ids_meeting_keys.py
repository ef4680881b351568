"""Each group's audience ids, and what its meetings are on their own values, in its row.

A search by a meeting's day and time, format or audience near a place looked up each
group's meetings (an index probe a group) to find the few it wanted: at 50,000 groups
its statement read about 2.6-3x what it read at 5,000. meeting_keys and audience_ids
(kept by save_group and create_groups, services._prepare, and by generate_groups) are
tested in the row instead (MeetingWanted.keys_q); this fills them from what there is,
and the position index (0024) holds them too, so a page near a place still picks its
groups from the index alone (PostgreSQL only).
"""

import datetime as dt

from django.db import migrations, models

AUDIENCE_HELP = "Its audiences' ids (kept by save_group, for the search, as condition_ids)."
KEYS_HELP = (
    "What its meetings are on their own values: days and times, formats, audiences, "
    "step-free venues (kept by save_group, for the search: models.meeting_keys)."
)


COVERED = (
    "id, latitude, longitude, name, format, orientation, group_type_id, referral, step_free,"
    " has_meeting_venues, has_meetings, paused, paused_until, last_verified, condition_ids"
)
INDEX = (
    "CREATE INDEX group_earth_idx ON groups_group USING gist (group_earth(latitude, longitude))"
    " INCLUDE ({}) WHERE status = 'published' AND latitude IS NOT NULL"
)


def _position_index(covered: str):
    def replace(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("DROP INDEX IF EXISTS group_earth_idx")
            schema_editor.execute(INDEX.format(covered))

    return replace


def _part_of_day(start: dt.time) -> str:
    if start < dt.time(12):
        return "morning"
    return "afternoon" if start < dt.time(17) else "evening"


def _keys(meeting, audience_ids: list[int]) -> set[str]:
    """models.meeting_keys() as it is at this migration."""
    keys = {f"{meeting.weekday} {_part_of_day(meeting.start_time)}", f"format:{meeting.format}"}
    keys |= {f"audience:{pk}" for pk in audience_ids} or {"audience:"}
    own_venue = bool(meeting.address or meeting.town or meeting.postcode) or (
        meeting.latitude is not None
    )
    if not own_venue:
        keys.add("venue:")
    elif meeting.step_free == "yes":
        keys.add("venue:step_free")
    return keys


def _ids(link, owner: str) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = {}
    for owner_id, audience_id in link.objects.values_list(f"{owner}_id", "audience_id"):
        ids.setdefault(owner_id, []).append(audience_id)
    return ids


def fill(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    Meeting = apps.get_model("groups", "Meeting")
    audiences = _ids(Group.audiences.through, "group")
    own = _ids(Meeting.audiences.through, "meeting")
    keys: dict[int, set[str]] = {}
    for meeting in Meeting.objects.all().iterator(chunk_size=2_000):
        keys.setdefault(meeting.group_id, set()).update(_keys(meeting, own.get(meeting.pk, [])))
    changed = []
    for group in Group.objects.only("pk").iterator(chunk_size=2_000):
        if group.pk in audiences or group.pk in keys:
            group.audience_ids = sorted(audiences.get(group.pk, []))
            group.meeting_keys = sorted(keys.get(group.pk, set()))
            changed.append(group)
    Group.objects.bulk_update(changed, ["audience_ids", "meeting_keys"], batch_size=1_000)


class Migration(migrations.Migration):
    dependencies = [("groups", "0024_position_index_covers_search")]

    operations = [
        migrations.AddField(
            model_name="group",
            name="audience_ids",
            field=models.JSONField(default=list, editable=False, help_text=AUDIENCE_HELP),
        ),
        migrations.AddField(
            model_name="historicalgroup",
            name="audience_ids",
            field=models.JSONField(default=list, editable=False, help_text=AUDIENCE_HELP),
        ),
        migrations.AddField(
            model_name="group",
            name="meeting_keys",
            field=models.JSONField(default=list, editable=False, help_text=KEYS_HELP),
        ),
        migrations.AddField(
            model_name="historicalgroup",
            name="meeting_keys",
            field=models.JSONField(default=list, editable=False, help_text=KEYS_HELP),
        ),
        # Going back drops the columns, so there is nothing to undo here.
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(
            _position_index(f"{COVERED}, audience_ids, meeting_keys"), _position_index(COVERED)
        ),
    ]
