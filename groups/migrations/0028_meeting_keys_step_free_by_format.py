"""A meeting's venue key says its own format, so step-free access is one search code.

A search by step-free access wants a meeting that meets in person at a step-free venue (its
own, else its group's). The keys of 0025 said where each meeting is but not whether that
meeting meets in person, so the search still asked the meetings. Now "venue:<format>" and
"step_free:<format>" keep the two together, and the code for step-free access (0026) is
exactly that: this refills every group's meeting_keys and search_codes by the new rule.
"""

import datetime as dt

from django.db import migrations

PARTS = ("morning", "afternoon", "evening")
FORMATS = {"in_person": 30, "online": 31, "hybrid": 32}
IN_PERSON = ("in_person", "hybrid")


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
        keys.add(f"venue:{meeting.format}")
    elif meeting.step_free == "yes":
        keys.add(f"step_free:{meeting.format}")
    return keys


def _codes(keys: set[str], fmt: str, audience_ids: list[int], step_free: str) -> list[int]:
    """models.search_codes() as it is at this migration."""
    if not keys:
        formats, audiences = {fmt}, set(audience_ids)
        here = step_free == "yes" and fmt != "online"
    else:
        formats = {k.removeprefix("format:") or fmt for k in keys if k.startswith("format:")}
        audiences = {int(k[9:]) for k in keys if k.startswith("audience:") and k != "audience:"}
        if "audience:" in keys:
            audiences |= set(audience_ids)
        here = any(k.startswith("step_free:") and (k[10:] or fmt) in IN_PERSON for k in keys) or (
            step_free == "yes"
            and any(k.startswith("venue:") and (k[6:] or fmt) in IN_PERSON for k in keys)
        )
    codes = {int(k[0]) * 3 + PARTS.index(k[2:]) for k in keys if k[0].isdigit()}
    codes |= {FORMATS[f] for f in formats if f in FORMATS}
    codes |= {1000 + pk for pk in audiences}
    return sorted(codes | ({40} if here else set()))


def fill(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    Meeting = apps.get_model("groups", "Meeting")
    own: dict[int, list[int]] = {}
    link = Meeting.audiences.through.objects.values_list("meeting_id", "audience_id")
    for meeting_id, audience_id in link:
        own.setdefault(meeting_id, []).append(audience_id)
    keys: dict[int, set[str]] = {}
    for meeting in Meeting.objects.all().iterator(chunk_size=2_000):
        keys.setdefault(meeting.group_id, set()).update(_keys(meeting, own.get(meeting.pk, [])))
    changed = []
    fields = ["pk", "format", "audience_ids", "step_free"]
    for group in Group.objects.only(*fields).iterator(chunk_size=2_000):
        group_keys = keys.get(group.pk, set())
        group.meeting_keys = sorted(group_keys)
        group.search_codes = _codes(group_keys, group.format, group.audience_ids, group.step_free)
        changed.append(group)
    Group.objects.bulk_update(changed, ["meeting_keys", "search_codes"], batch_size=1_000)


def _key_before(key: str) -> str:
    if key.startswith("venue:"):
        return "venue:"
    return "venue:step_free" if key.startswith("step_free:") else key


def unfill(apps, schema_editor):
    """Back to 0025's keys ("venue:", "venue:step_free") and 0026's codes, where step-free
    was any such venue."""
    Group = apps.get_model("groups", "Group")
    changed = []
    fields = ["pk", "meeting_keys", "search_codes", "step_free"]
    for group in Group.objects.only(*fields).iterator(chunk_size=2_000):
        keys = {_key_before(k) for k in group.meeting_keys}
        group.meeting_keys = sorted(keys)
        here = "venue:step_free" in keys or ("venue:" in keys and group.step_free == "yes")
        if keys:
            codes = set(group.search_codes) - {40}
            group.search_codes = sorted(codes | ({40} if here else set()))
        changed.append(group)
    Group.objects.bulk_update(changed, ["meeting_keys", "search_codes"], batch_size=1_000)


class Migration(migrations.Migration):
    dependencies = [("groups", "0027_position_index_holds_search_codes")]

    operations = [migrations.RunPython(fill, unfill)]
