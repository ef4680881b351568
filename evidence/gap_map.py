"""The evidence and gap map: conditions down the side, group types across the top, and
in each cell the evidence that counts for that pair, with its certainty.

Only records that may count towards a rating (outcome studies and systematic reviews of
anything but groups that are not mutual aid; see evidence.certainty) are placed in cells;
the rest are listed apart, the records about groups that are not mutual aid separately.
Records are placed by their own tags and nothing else. A record about mental health in
general (no condition, or general_wellbeing) sits in the map's general row, and one about
groups of any type (no group type) in its general column, rather than being copied into
every cell. A record tagged with two conditions is counted in both rows. Each cell links
to the library filtered to exactly the records it counts (see EvidenceFilter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.urls import reverse

from groups.models import Audience, Condition, GroupType

from . import certainty
from .certainty import ConditionRating, Level, RecordFacts
from .filters import COUNTS, GENERAL
from .models import (
    DESIGN_ORDER,
    GENERAL_CONDITION,
    Design,
    Direction,
    Evidence,
    EvidenceQuerySet,
    Studied,
)

GENERAL_ROW_LABEL = "Mental health in general"
GENERAL_COLUMN_LABEL = "Groups in general"

# Short names that fit in a cell; the full names are in the legend and the table.
SHORT_DESIGN: dict[str, str] = {
    Design.META_ANALYSIS: "Meta-analysis",
    Design.RCT: "RCT",
    Design.NON_RANDOMISED_CONTROLLED: "Controlled",
    Design.COHORT: "Cohort",
    Design.BEFORE_AFTER: "Before–after",  # noqa: RUF001 (an en dash, as in print)
    Design.REVIEW: "Review",
    Design.CROSS_SECTIONAL_SURVEY: "Survey",
    Design.QUALITATIVE: "Qualitative",
    Design.ACTION_RESEARCH: "Action research",
    Design.CASE_STUDY: "Case study",
    Design.ANECDOTE: "Anecdote",
    Design.GUIDELINE: "Guideline",
    Design.SYSTEMATIC_REVIEW: "Systematic review",
    Design.OTHER: "Not reported",
}
# The order outcome symbols are shown in, and their names in the map's text.
DIRECTIONS: list[tuple[str, str]] = [
    (Direction.POSITIVE, "positive"),
    (Direction.MIXED, "mixed"),
    (Direction.NEGATIVE, "negative"),
    (Direction.INCONCLUSIVE, "inconclusive"),
    (Direction.NO_EFFECT, "no effect found"),
]


def _direction(record: Evidence) -> str:
    return record.outcome_direction


@dataclass(frozen=True)
class Axis:
    """A row (condition) or column (group type) of the map; key is the filter value."""

    key: str
    name: str
    is_general: bool = False


@dataclass(frozen=True)
class DirectionCount:
    direction: str
    label: str
    count: int


@dataclass
class Cell:
    row: Axis
    column: Axis
    url: str
    records: list[Evidence] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def strongest_design(self) -> str:
        """The strongest design among the records, '' when there are none."""
        designs = {r.design for r in self.records}
        return next((d for d in DESIGN_ORDER if d in designs), "")

    @property
    def rating(self) -> ConditionRating:
        """The certainty of the cell's records taken together, by the rating rules."""
        rated = [certainty.rate_record(RecordFacts.of(r)) for r in self.records]
        return certainty.combine(self.row.key, rated)

    @property
    def certainty(self) -> str:
        rating = self.rating
        return rating.level.label if rating.level != Level.NONE else ""

    @property
    def strongest_design_short(self) -> str:
        return SHORT_DESIGN.get(self.strongest_design, "")

    @property
    def strongest_design_label(self) -> str:
        return Design(self.strongest_design).label if self.strongest_design else ""

    @property
    def directions(self) -> list[DirectionCount]:
        """How many records point each way, leaving out directions with none."""
        counts = [
            DirectionCount(d, label, sum(_direction(r) == d for r in self.records))
            for d, label in DIRECTIONS
        ]
        return [c for c in counts if c.count]

    @property
    def direction_counts(self) -> list[int]:
        """How many records point each way, in the order of DIRECTIONS, zeros included."""
        return [sum(_direction(r) == d for r in self.records) for d, _ in DIRECTIONS]

    @property
    def description(self) -> str:
        """The cell in words: what a screen reader says for its link."""
        if not self.records:
            return "no studies"
        studies = f"{self.count} stud{'y' if self.count == 1 else 'ies'}"
        outcomes = ", ".join(f"{c.count} {c.label}" for c in self.directions)
        return (
            f"{studies}, {self.certainty} certainty, strongest design "
            f"{self.strongest_design_label.lower()}; {outcomes}"
        )


@dataclass
class GapMap:
    rows: list[Axis]
    columns: list[Axis]
    grid: list[tuple[Axis, list[Cell]]]
    audience: Audience | None
    total: int
    not_mutual_aid: list[Evidence] = field(default_factory=list)
    background: list[Evidence] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.rows) * len(self.columns)

    @property
    def filled(self) -> list[Cell]:
        """The cells with evidence, row by row: the map as a table of numbers."""
        return [cell for _, cells in self.grid for cell in cells if cell.count]


def _row_keys(record: Evidence) -> set[str]:
    slugs = {c.slug for c in record.conditions.all()}
    keys = slugs - {GENERAL_CONDITION}
    if not slugs or GENERAL_CONDITION in slugs:
        keys.add(GENERAL)
    return keys


def _column_keys(record: Evidence) -> set[str]:
    return {t.slug for t in record.group_types.all()} or {GENERAL}


def library_url(row: Axis, column: Axis, audience: Audience | None) -> str:
    """The library filtered to the records a cell counts."""
    params = {"condition": row.key, "group_type": column.key, "counts": COUNTS}
    if audience is not None:
        params["audience"] = audience.slug
    return f"{reverse('evidence:library')}?{urlencode(params)}"


def _records_to_map(audience: Audience | None) -> EvidenceQuerySet:
    """Published records (about the audience, if given), strongest first, with only what
    a cell shows and the tags that place them: one query each for records and tags."""
    published = Evidence.objects.published()
    if audience is not None:
        published = published.filter(audiences=audience)
    return (
        published.by_strength()
        .only(
            "key",
            "authors",
            "year",
            "design",
            "outcome_direction",
            "kind",
            "studied",
            "sample_size",
            "origin",
        )
        .prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.only("slug")),
            Prefetch("group_types", queryset=GroupType.objects.only("slug")),
            Prefetch("audiences", queryset=Audience.objects.only("slug")),
            "groups",
        )
    )


def build_gap_map(audience: Audience | None = None) -> GapMap:
    """The map of published records (about the audience, if one is given), in a fixed
    number of queries whatever the size of the library: conditions, group types, and the
    records with their tags."""
    rows = [
        Axis(c.slug, c.name)
        for c in Condition.objects.exclude(slug=GENERAL_CONDITION).only("slug", "name")
    ] + [Axis(GENERAL, GENERAL_ROW_LABEL, is_general=True)]
    columns = [Axis(t.slug, t.name) for t in GroupType.objects.only("slug", "name")] + [
        Axis(GENERAL, GENERAL_COLUMN_LABEL, is_general=True)
    ]
    records = _records_to_map(audience)
    cells = {
        (row.key, column.key): Cell(row, column, library_url(row, column, audience))
        for row in rows
        for column in columns
    }
    total = 0
    apart: dict[bool, list[Evidence]] = {True: [], False: []}
    for record in records:
        if not record.may_count:
            apart[record.studied == Studied.NOT_MUTUAL_AID].append(record)
            continue
        total += 1
        for row_key in _row_keys(record):
            for column_key in _column_keys(record):
                cell = cells.get((row_key, column_key))
                if cell is not None:
                    cell.records.append(record)
    grid = [(row, [cells[row.key, column.key] for column in columns]) for row in rows]
    return GapMap(
        rows=rows,
        columns=columns,
        grid=grid,
        audience=audience,
        total=total,
        not_mutual_aid=apart[True],
        background=apart[False],
    )
