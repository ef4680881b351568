"""Believable published groups spread over real postcode districts, for load tests and
benchmarks. Bulk writes: 50,000 groups take well under a minute on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from groups.models import (
    Audience,
    Condition,
    Format,
    Group,
    GroupType,
    Leadership,
    Meeting,
    Orientation,
    Place,
    PlaceKind,
    Recurrence,
    Referral,
    Status,
    StepFree,
    meeting_keys,
    search_codes,
)
from groups.places import PlaceFileError, count_place_rows, read_place_file, save_places
from groups.progress import Progress
from groups.services import condition_search_terms

ORIENTATIONS = [(Orientation.INWARD, 60), (Orientation.HYBRID, 25), (Orientation.OUTWARD, 15)]
FORMATS = [(Format.IN_PERSON, 75), (Format.HYBRID, 15), (Format.ONLINE, 10)]
GROUP_TYPES = {
    "peer_support": 30, "twelve_step": 22, "self_management": 10, "activity_based": 8,
    "advocacy": 8, "educational": 5, "harm_reduction": 4, "faith_based": 4,
    "user_run_business": 3, "residential": 2, "other": 4,
}  # fmt: skip
CONDITIONS = {
    "alcohol": 30, "drugs": 22, "depression": 14, "anxiety": 12, "general_wellbeing": 10,
    "dual_diagnosis": 6, "gambling": 5, "bipolar": 4, "psychosis": 4, "trauma": 5,
    "bereavement": 5, "eating_disorders": 3, "self_harm": 3, "severe_mental_illness": 3,
    "personality_disorder": 2, "chronic_fatigue_syndrome": 2, "chronic_physical_illness": 3,
    "hiv_hepatitis": 1, "homelessness": 2, "domestic_abuse": 2, "offending": 2,
    "learning_disability": 2,
}  # fmt: skip
NOUNS = {
    "twelve_step": ["Fellowship Meeting", "Step Group", "Recovery Meeting"],
    "peer_support": ["Peer Support Group", "Support Circle", "Drop-in"],
    "activity_based": ["Walking Group", "Allotment Group", "Art Club", "Football Group"],
    "educational": ["Learning Group", "Understanding Group"],
    "advocacy": ["Voices Forum", "Action Group", "Campaign Group"],
    "self_management": ["Recovery Toolkit Group", "Self-Management Course"],
    "harm_reduction": ["Harm Reduction Group", "Users' Forum"],
    "residential": ["Recovery House", "Recovery Community"],
    "user_run_business": ["Recovery Café", "Co-op"],
    "faith_based": ["Faith and Recovery Group", "Fellowship"],
    "other": ["Community Group", "Wellbeing Group"],
}
TOPIC = {
    "alcohol": "Sober", "drugs": "Recovery", "depression": "Low Mood", "anxiety": "Anxiety",
    "general_wellbeing": "Wellbeing", "dual_diagnosis": "Dual Recovery", "gambling": "Gambling",
    "bipolar": "Bipolar", "psychosis": "Hearing Voices", "trauma": "Survivors",
    "bereavement": "Bereavement", "eating_disorders": "Eating Disorders", "self_harm": "Self-Harm",
    "severe_mental_illness": "Mental Health", "personality_disorder": "Emotional Wellbeing",
    "chronic_fatigue_syndrome": "ME/CFS", "chronic_physical_illness": "Living Well",
    "hiv_hepatitis": "Positive Living", "homelessness": "Street Recovery",
    "domestic_abuse": "Freedom", "offending": "New Leaf", "learning_disability": "Friends",
}  # fmt: skip
START_TIMES = [
    dt.time(10), dt.time(10, 30), dt.time(11), dt.time(13), dt.time(14),
    dt.time(18), dt.time(18, 30), dt.time(19), dt.time(19, 30), dt.time(20),
]  # fmt: skip


def _pick(rng: random.Random, weighted: dict | list) -> str:
    items = list(weighted.items()) if isinstance(weighted, dict) else weighted
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


class Command(BaseCommand):
    help = "Creates N believable published groups over real UK postcode districts."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--places",
            type=Path,
            help="A district CSV to load first (e.g. ../shared/data/uk_postcode_districts.csv).",
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--quiet", action="store_true", help="Show no progress.")

    def handle(
        self,
        *args,
        count: int,
        seed: int,
        places: Path | None,
        batch_size: int,
        quiet: bool,
        verbosity: int,
        **opts,
    ):
        if count < 1:
            raise CommandError("--count must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        progress = Progress(self.stdout, quiet=quiet or verbosity == 0)
        if places:
            try:
                save_places(
                    progress.track(
                        read_place_file(places),
                        total=count_place_rows(places),
                        desc=places.name,
                        unit="places",
                    )
                )
            except (OSError, PlaceFileError) as exc:
                raise CommandError(str(exc)) from None
        districts = list(
            Place.objects.filter(kind=PlaceKind.DISTRICT).values_list(
                "key", "latitude", "longitude"
            )
        )
        if not districts:
            raise CommandError("No postcode districts loaded: pass --places FILE.")
        rng = random.Random(seed)
        conditions = {c.slug: c for c in Condition.objects.all()}
        audiences = [a.pk for a in Audience.objects.all()]
        types = {t.slug: t.pk for t in GroupType.objects.all()}
        today = dt.date.today()
        started = time.monotonic()
        made = 0
        run = f"{seed}-{int(time.time())}"
        with progress.counter(total=count, desc="Generating groups", unit="groups") as counter:
            while made < count:
                n = min(batch_size, count - made)
                with transaction.atomic():
                    self._batch(rng, n, made, run, districts, conditions, audiences, types, today)
                made += n
                counter.update(n)
        self.stdout.write(f"Generated {count} groups in {time.monotonic() - started:.1f}s.")

    def _batch(self, rng, n, offset, run, districts, conditions, audiences, types, today):
        # The random draws keep their order, so a seed makes the same directory as before.
        groups, tags = [], []
        for i in range(n):
            group, chosen = _new_group(
                rng, offset + i + 1, run, districts, conditions, types, today
            )
            groups.append(group)
            tags.append((chosen, rng.sample(audiences, k=rng.choice([0, 0, 0, 1, 2]))))
        drawn = [_new_meetings(rng, today) for _ in groups]
        for group, (_, aud), group_meetings in zip(groups, tags, drawn, strict=True):
            # As save_group keeps them; the meetings have no values of their own.
            group.has_meetings = bool(group_meetings)
            group.audience_ids = sorted(aud)
            group.meeting_keys = sorted(
                set().union(*(_keys(meeting) for meeting in group_meetings))
            )
            group.search_codes = search_codes(
                group.meeting_keys,
                format=group.format,
                audience_ids=group.audience_ids,
                step_free=group.step_free,
            )
        Group.objects.bulk_create(groups)
        condition_rows, audience_rows, meetings = [], [], []
        ConditionLink = Group.conditions.through
        AudienceLink = Group.audiences.through
        for group, (chosen, aud), group_meetings in zip(groups, tags, drawn, strict=True):
            condition_rows += [
                ConditionLink(group_id=group.pk, condition_id=conditions[c].pk) for c in chosen
            ]
            audience_rows += [AudienceLink(group_id=group.pk, audience_id=a) for a in aud]
            for meeting in group_meetings:
                meeting.group_id = group.pk
            meetings += group_meetings
        ConditionLink.objects.bulk_create(condition_rows)
        AudienceLink.objects.bulk_create(audience_rows)
        Meeting.objects.bulk_create(meetings)


def _new_group(rng, number, run, districts, conditions, types, today) -> tuple[Group, list[str]]:
    """One believable published group in a random district, and its conditions' slugs."""
    district, lat, lng = rng.choice(districts)
    group_type = _pick(rng, GROUP_TYPES)
    chosen = list(dict.fromkeys(_pick(rng, CONDITIONS) for _ in range(rng.randint(1, 3))))
    fmt = _pick(rng, FORMATS)
    name = f"{district} {TOPIC[chosen[0]]} {rng.choice(NOUNS[group_type])}"
    online = fmt != Format.IN_PERSON
    group = Group(
        name=name,
        slug=f"{slugify(name)}-{run}-{number}",
        summary=f"A {group_type.replace('_', ' ')} group meeting in {district}.",
        description=(
            "Members share their experience and support each other. "
            "Newcomers are welcome; just come along or get in touch first."
        ),
        orientation=_pick(rng, ORIENTATIONS),
        group_type_id=types[group_type],
        format=fmt,
        address="" if fmt == Format.ONLINE else f"Community Centre, {district}",
        postcode="" if fmt == Format.ONLINE else f"{district} {rng.randint(1, 9)}AA",
        latitude=None if fmt == Format.ONLINE else lat + rng.uniform(-0.02, 0.02),
        longitude=None if fmt == Format.ONLINE else lng + rng.uniform(-0.03, 0.03),
        online_url=f"https://example.org/join/{number}" if online else "",
        email=f"group{number}@example.org",
        leadership=rng.choice([Leadership.PEER_LED] * 6 + list(Leadership.values)),
        referral=rng.choice(list(Referral.values) + [Referral.EITHER] * 3),
        cost=rng.choice(["Free", "Free; donations welcome", "£2 towards the room"]),
        step_free=rng.choice(StepFree.values),
        languages=["en"],
        search_terms=condition_search_terms(conditions[c] for c in chosen),
        condition_ids=sorted(conditions[c].pk for c in chosen),
        status=Status.PUBLISHED,
        last_verified=today - dt.timedelta(days=rng.randint(0, 600)),
    )
    return group, chosen


def _keys(meeting: Meeting) -> set[str]:
    return meeting_keys(
        weekday=meeting.weekday,
        start_time=meeting.start_time,
        format="",
        audience_ids=[],
        own_venue=False,
        step_free="",
    )


def _new_meetings(rng, today: dt.date) -> list[Meeting]:
    """None to three meetings of 90 minutes, mostly weekly (their group set later)."""
    meetings = []
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
        start = rng.choice(START_TIMES)
        end = (dt.datetime.combine(today, start) + dt.timedelta(minutes=90)).time()
        recurrence = rng.choices(Recurrence.values, weights=[80, 8, 12])[0]
        meetings.append(
            Meeting(
                weekday=rng.randint(0, 6),
                start_time=start,
                end_time=end,
                recurrence=recurrence,
                week_of_month=rng.choice([1, 2, 3, 4, -1])
                if recurrence == Recurrence.MONTHLY
                else None,
            )
        )
    return meetings
