"""The evidence library: studies and reports about mutual aid groups, and how they are
matched to a group so that its page can say what is known about groups like it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from groups.models import Audience, Condition, Group, GroupType, Orientation, web_url

# Records tagged with this condition are about mental health groups broadly.
GENERAL_CONDITION = "general_wellbeing"
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")


class Design(models.TextChoices):
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    META_ANALYSIS = "meta_analysis", "Meta-analysis"
    REVIEW = "review", "Review"
    RCT = "rct", "Randomised controlled trial"
    NON_RANDOMISED_CONTROLLED = "non_randomised_controlled", "Non-randomised controlled study"
    COHORT = "cohort", "Cohort study"
    BEFORE_AFTER = "before_after", "Before-and-after study"
    CROSS_SECTIONAL_SURVEY = "cross_sectional_survey", "Cross-sectional survey"
    QUALITATIVE = "qualitative", "Qualitative study"
    CASE_STUDY = "case_study", "Case study"
    ACTION_RESEARCH = "action_research", "Action research"
    ANECDOTE = "anecdote", "Anecdotal report"
    GUIDELINE = "guideline", "Guideline or policy"
    # In the review's data, "other" means the review does not say how the study was done.
    OTHER = "other", "Design not reported"


# Strength of design, 1 strongest, as the issue orders them. The tiers leave out
# narrative reviews and action research: a review that is not a meta-analysis is only as
# strong as what it reviews, so it sits with surveys; action research is qualitative work.
DESIGN_STRENGTH: dict[str, int] = {
    Design.SYSTEMATIC_REVIEW: 1,
    Design.META_ANALYSIS: 1,
    Design.RCT: 1,
    Design.NON_RANDOMISED_CONTROLLED: 2,
    Design.COHORT: 3,
    Design.BEFORE_AFTER: 3,
    Design.REVIEW: 4,
    Design.CROSS_SECTIONAL_SURVEY: 4,
    Design.QUALITATIVE: 4,
    Design.ACTION_RESEARCH: 4,
    Design.CASE_STUDY: 5,
    Design.ANECDOTE: 5,
    Design.GUIDELINE: 5,
    Design.OTHER: 5,
}
# Strongest first, ties in the order the choices are listed.
DESIGN_ORDER: list[str] = sorted(
    Design.values, key=lambda d: (DESIGN_STRENGTH[d], Design.values.index(d))
)
# "Evidence is thin" when every matching record is one of these.
THIN_DESIGNS = frozenset(
    {Design.ANECDOTE, Design.CASE_STUDY, Design.QUALITATIVE, Design.ACTION_RESEARCH, Design.OTHER}
)


class Kind(models.TextChoices):
    """What kind of evidence a record is. Only outcome studies and systematic reviews say
    which way outcomes pointed, and only they can count towards a certainty rating."""

    OUTCOME_STUDY = "outcome_study", "Outcome study"
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    DESCRIPTIVE = "descriptive", "Descriptive or qualitative account"
    OPINION = "opinion", "Opinion or claim"
    OWN_FIGURES = "own_figures", "An organisation's own figures or claims"
    BACKGROUND = "background", "Background, policy or guidance"


OUTCOME_KINDS = (Kind.OUTCOME_STUDY, Kind.SYSTEMATIC_REVIEW)


class Direction(models.TextChoices):
    """Which way an outcome study's or systematic review's outcomes pointed."""

    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    MIXED = "mixed", "Mixed"
    INCONCLUSIVE = "inconclusive", "Inconclusive"
    NO_EFFECT = "no_effect", "No effect found"


class Studied(models.TextChoices):
    """What the record studied, against the review's Box 1 definition of a mutual aid group."""

    MUTUAL_AID = "mutual_aid", "Mutual aid (as the review's Box 1 defines it)"
    FACILITATION = (
        "facilitation",
        (
            "A professional intervention whose aim is attendance at mutual aid "
            "(such as twelve-step facilitation)"
        ),
    )
    MIXED = "mixed", "Mixed: started or supported by professionals, run by members"
    NOT_MUTUAL_AID = (
        "not_mutual_aid",
        (
            "Not mutual aid: groups designed or run by clinicians, or supervised therapeutic "
            "communities"
        ),
    )
    NOT_STATED = "not_stated", "Not stated"


# What was studied, for the records that may count towards a rating.
COUNTING_SUBJECTS = (Studied.MUTUAL_AID, Studied.FACILITATION, Studied.MIXED, Studied.NOT_STATED)


class Origin(models.TextChoices):
    """Where the record's facts were taken from."""

    REVIEW_2008 = "review_2008", "The 2008 review (Baldacchino, Caan and Munn-Giddings)"
    SOURCE_ITSELF = "source_itself", "The source itself, read by the directory's editors"


# Negative or mixed evidence: a caution on the group's page and a marker in search results.
CAUTIONARY_DIRECTIONS = (Direction.NEGATIVE, Direction.MIXED)

UK_NAMES = {
    "uk",
    "united kingdom",
    "britain",
    "great britain",
    "england",
    "scotland",
    "wales",
    "northern ireland",
}


def split_countries(text: str) -> list[str]:
    """'US; Sweden; UK' or 'US and Canada' as a list; 'UK (Scotland)' counts as the UK."""
    names = []
    for part in re.split(r";|,|\band\b", text or ""):
        name = re.sub(r"\(.*?\)", "", part).strip()
        if not name:
            continue
        name = "UK" if name.lower() in UK_NAMES else name
        if name not in names:
            names.append(name)
    return names


def short_authors(authors: str) -> str:
    """'Bentall, R.P., Powell, P., … & Edwards, R.H.T.' as 'Bentall et al.'; organisations
    and anything else that is not a list of 'Surname, Initials' are kept as written."""
    parts = re.split(r"(?<=\.),\s*(?:&\s*)?", authors.strip())
    surnames = []
    for part in parts:
        match = re.fullmatch(r"(.+?),\s*[A-Z][A-Za-z.\- ]*\.?", part.strip())
        if not match:
            return re.sub(r"\s*;\s*", ", ", authors.strip())
        surnames.append(match.group(1))
    if len(surnames) == 1:
        return surnames[0]
    if len(surnames) == 2:
        return f"{surnames[0]} & {surnames[1]}"
    return f"{surnames[0]} et al."


def _deeper(ref: Any) -> Any:
    """A reference to the group as seen one subquery further in."""
    return OuterRef(ref) if isinstance(ref, OuterRef) else ref


def _match_expressions(group_ref: Any, group_type_ref: Any) -> dict[str, Any]:
    """Boolean expressions, on an Evidence query, saying how a record relates to a group.

    group_ref and group_type_ref are a group's id and group type id, either as values or
    as OuterRef()s to a Group query this Evidence query is nested in.
    """
    group, group_type = _deeper(group_ref), _deeper(group_type_ref)
    evidence = OuterRef("pk")
    conditions = Evidence.conditions.through.objects.filter(evidence=evidence)
    types = Evidence.group_types.through.objects.filter(evidence=evidence)
    return {
        "is_direct": Exists(Evidence.groups.through.objects.filter(evidence=evidence, group=group)),
        "type_specific": Exists(types.filter(grouptype=group_type)),
        "any_type": ~Exists(types),
        "condition_specific": Exists(
            conditions.filter(condition__groups=group).exclude(condition__slug=GENERAL_CONDITION)
        ),
        "no_condition": ~Exists(conditions),
        "mental_health_general": Exists(conditions.filter(condition__slug=GENERAL_CONDITION)),
        "shared_audience": Exists(
            Evidence.audiences.through.objects.filter(evidence=evidence, audience__groups=group)
        ),
    }


def _match_q(holds: Callable[[str], Q]) -> Q:
    """Linked to the group directly, or both its group type and its conditions match
    (no group types means any type; no conditions, or general_wellbeing, means general).
    holds(name) is a Q that is true when the expression of that name is."""
    type_matches = holds("type_specific") | holds("any_type")
    condition_matches = (
        holds("condition_specific") | holds("no_condition") | holds("mental_health_general")
    )
    return holds("is_direct") | (type_matches & condition_matches)


def design_strength_expression() -> Case:
    return Case(
        *[When(design=d, then=Value(s)) for d, s in DESIGN_STRENGTH.items()],
        default=Value(9),
        output_field=models.IntegerField(),
    )


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def published(self) -> EvidenceQuerySet:
        return self.filter(is_published=True)

    def counting(self) -> EvidenceQuerySet:
        """Records that may count towards a rating: outcome studies and systematic reviews of
        mutual aid, of its facilitation, of mixed groups, or of groups not described."""
        return self.filter(kind__in=OUTCOME_KINDS, studied__in=COUNTING_SUBJECTS)

    def cautionary(self) -> EvidenceQuerySet:
        """Negative or mixed evidence among the records that may count."""
        return self.counting().filter(outcome_direction__in=CAUTIONARY_DIRECTIONS)

    def by_strength(self) -> EvidenceQuerySet:
        """Strongest design first, then newest."""
        return self.annotate(design_strength=design_strength_expression()).order_by(
            "design_strength", F("year").desc(nulls_last=True), "authors", "pk"
        )

    def for_group(self, group: Group) -> EvidenceQuerySet:
        """The records that speak to a group, most relevant first, in one query.

        Records linked to the group come first; then records whose group types and
        conditions both match, those specific to one of its conditions before general ones,
        those about its type of group before those about any type. A shared audience ranks
        a record higher within that order but never filters one out. Then strongest design,
        newest first. Each record is annotated with is_direct, condition_specific,
        type_specific and shared_audience, which the summary uses.
        """
        e = _match_expressions(group.pk, group.group_type_id)
        return (
            self.annotate(**e, design_strength=design_strength_expression())
            .filter(_match_q(lambda name: Q(**{name: True})))
            .order_by(
                F("is_direct").desc(),
                F("condition_specific").desc(),
                F("type_specific").desc(),
                F("shared_audience").desc(),
                "design_strength",
                F("year").desc(nulls_last=True),
                "authors",
                "pk",
            )
        )

    def matching_outer_group(self) -> EvidenceQuerySet:
        """Records matching the group of an enclosing Group query (for Exists())."""
        e = _match_expressions(OuterRef("pk"), OuterRef("group_type_id"))
        return self.filter(_match_q(lambda name: Q(e[name])))


class Evidence(models.Model):
    """One study or report, as facts in our own words, and what it speaks to."""

    key = models.SlugField(
        max_length=100,
        unique=True,
        blank=True,
        help_text=(
            "A stable identifier, e.g. bentall-et-al-2002, used in the page's address. "
            "Leave blank to make one from the authors and year. Never changes once saved."
        ),
    )
    authors = models.CharField(
        max_length=500, help_text="As cited: 'Surname, I., Surname, I., & Surname, I.'"
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank if unknown.")
    title = models.CharField(max_length=500, blank=True)
    venue = models.CharField(
        max_length=500, blank=True, help_text="Journal with volume and pages, or publisher."
    )
    doi = models.CharField("DOI", max_length=200, blank=True, help_text="For example 10.1192/…")
    url = models.URLField("web address", max_length=500, blank=True, validators=[web_url])

    design = models.CharField(max_length=30, choices=Design.choices)
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    sample_unit = models.CharField(
        max_length=60,
        default="participants",
        blank=True,
        help_text="What the sample size counts: participants, groups, projects.",
    )
    country = models.CharField(
        max_length=200, blank=True, help_text="Free text; several as 'US; Sweden; UK'."
    )
    setting = models.CharField(
        max_length=200, blank=True, help_text="Where it was done: hospital, community, online."
    )
    orientation = models.CharField(
        max_length=10,
        choices=Orientation.choices,
        blank=True,
        help_text="Of the groups studied, where the study says.",
    )
    kind = models.CharField(
        "kind of evidence",
        max_length=20,
        choices=Kind.choices,
        help_text=(
            "Only outcome studies (something measured in the people who took part) and "
            "systematic reviews can count towards a certainty rating."
        ),
    )
    studied = models.CharField(
        "what was studied",
        max_length=20,
        choices=Studied.choices,
        default=Studied.NOT_STATED,
        help_text="Records about groups that are not mutual aid never count towards a rating.",
    )
    outcome_direction = models.CharField(
        max_length=20,
        choices=Direction.choices,
        blank=True,
        help_text="Outcome studies and systematic reviews only; blank for any other kind.",
    )
    main_outcome = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "What the outcome was, in a few words, for the certainty line: "
            "'continuous abstinence', 'response to clinical treatment'."
        ),
    )
    outcome_measures = models.JSONField(
        default=list, blank=True, help_text='A list of measures, e.g. ["abstinence", "SF-36"].'
    )
    finding = models.TextField(help_text="What it found, in plain words and our own words.")
    source_section = models.CharField(
        max_length=200, blank=True, help_text="Where the review discusses it."
    )
    origin = models.CharField(
        "taken from",
        max_length=20,
        choices=Origin.choices,
        default=Origin.REVIEW_2008,
        help_text="Evidence from the 2008 review is rated down for publication bias.",
    )
    basis = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "For records taken from the 2008 review: the review's own words this record "
            'rests on, copied exactly, as a list: ["fragment one", "fragment two"].'
        ),
    )
    journal_article = models.BooleanField(
        default=False, help_text="A journal article: its page links to a PubMed search."
    )

    conditions = models.ManyToManyField(
        Condition,
        related_name="evidence",
        blank=True,
        help_text="None means it is not specific to a condition.",
    )
    group_types = models.ManyToManyField(
        GroupType,
        related_name="evidence",
        blank=True,
        help_text="None means it is about mutual aid groups of any type.",
    )
    audiences = models.ManyToManyField(Audience, related_name="evidence", blank=True)
    groups = models.ManyToManyField(
        Group,
        related_name="evidence",
        blank=True,
        help_text="Groups this is about directly. They see it first.",
    )

    curated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="curated_evidence",
    )
    last_reviewed = models.DateField(null=True, blank=True)
    is_published = models.BooleanField("published", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EvidenceQuerySet.as_manager()
    # Annotated on the records that EvidenceQuerySet.for_group() returns (a group's evidence).
    is_direct: bool
    condition_specific: bool
    type_specific: bool
    shared_audience: bool

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["authors", "year", "pk"]
        indexes = [
            # groups_with_cautions(): published negative or mixed records.
            models.Index(
                fields=["is_published", "outcome_direction"],
                name="evidence_published_direction",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1800, year__lte=2100),
                name="evidence_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_size__gt=0),
                name="evidence_sample_size_positive",
            ),
            models.CheckConstraint(
                condition=Q(design__in=Design.values), name="evidence_design_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="evidence_kind_valid"),
            models.CheckConstraint(
                condition=Q(studied__in=Studied.values), name="evidence_studied_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=Origin.values), name="evidence_origin_valid"
            ),
            # A direction only with an outcome kind, and every outcome kind has one.
            models.CheckConstraint(
                condition=(
                    Q(kind__in=OUTCOME_KINDS, outcome_direction__in=Direction.values)
                    | (~Q(kind__in=OUTCOME_KINDS) & Q(outcome_direction=""))
                ),
                name="evidence_direction_only_for_outcomes",
            ),
            # What a record taken from the review rests on is always recorded.
            models.CheckConstraint(
                condition=~Q(origin=Origin.REVIEW_2008) | ~Q(basis=[]),
                name="evidence_review_records_have_a_basis",
            ),
            models.CheckConstraint(
                condition=Q(orientation="") | Q(orientation__in=Orientation.values),
                name="evidence_orientation_valid",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="evidence_key_not_blank"),
            models.CheckConstraint(condition=~Q(authors=""), name="evidence_authors_not_blank"),
            models.CheckConstraint(condition=~Q(finding=""), name="evidence_finding_not_blank"),
            models.CheckConstraint(
                condition=Q(doi="") | Q(doi__startswith="10."), name="evidence_doi_format"
            ),
        ]

    def __str__(self) -> str:
        return self.short_citation

    def save(self, *args, **kwargs) -> None:
        if not self.key:
            self.key = unique_key(self.authors, self.year)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("evidence:detail", kwargs={"key": self.key})

    def clean(self) -> None:
        if not self.key and self.authors:
            # Before the constraints are checked, so a form may leave the key blank.
            self.key = unique_key(self.authors, self.year)
        errors: dict[str, list[str]] = {}
        if self.doi and not DOI_RE.match(self.doi):
            errors.setdefault("doi", []).append(
                "Enter a DOI such as 10.1192/bjp.181.3.248, without https://doi.org/."
            )
        if self.kind in OUTCOME_KINDS and not self.outcome_direction:
            errors.setdefault("outcome_direction", []).append(
                "Say which way the outcomes pointed: outcome studies and systematic reviews "
                "always have a direction."
            )
        if self.kind and self.kind not in OUTCOME_KINDS and self.outcome_direction:
            errors.setdefault("outcome_direction", []).append(
                "Leave this blank: only outcome studies and systematic reviews have a direction."
            )
        basis = self.basis
        if not isinstance(basis, list) or not all(isinstance(b, str) and b.strip() for b in basis):
            errors.setdefault("basis", []).append(
                'Enter a list of the review\'s own words, e.g. ["fragment one", "fragment two"].'
            )
        elif self.origin == Origin.REVIEW_2008 and not basis:
            errors.setdefault("basis", []).append(
                "Copy the review's words this record rests on: every record taken from the "
                "review has them."
            )
        measures = self.outcome_measures
        if not isinstance(measures, list) or not all(
            isinstance(m, str) and m.strip() for m in measures
        ):
            errors.setdefault("outcome_measures", []).append(
                'Enter a list of measures, e.g. ["abstinence", "SF-36"].'
            )
        if errors:
            raise ValidationError(errors)

    @property
    def year_text(self) -> str:
        """'2003a' where the key says the review tells two works of one year apart that way."""
        if not self.year:
            return "year not reported"
        letter = re.search(rf"-{self.year}([a-z])$", self.key or "")
        return f"{self.year}{letter.group(1)}" if letter else str(self.year)

    @property
    def short_citation(self) -> str:
        """'Bentall et al. (2002)': names the authors and year a statement rests on."""
        return f"{short_authors(self.authors)} ({self.year_text})"

    @property
    def citation(self) -> str:
        """'Authors (year) Title. Venue.', saying 'not reported' rather than guessing."""
        title = self.title.strip() or "Title not reported"
        parts = [f"{self.authors.strip()} ({self.year_text}) {_sentence(title)}"]
        if self.venue.strip():
            parts.append(_sentence(self.venue.strip()))
        return " ".join(parts)

    @property
    def source_url(self) -> str:
        if self.url:
            return self.url
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        """A PubMed search for a journal article from its first author, year and title.
        Only the link is built: the server never sends a request."""
        if not (self.journal_article and self.title):
            return ""
        person = re.match(r"\s*([^,]+),\s*[A-Z]", self.authors)  # "Surname, I.", not an org
        author = f"{person.group(1)}[au]" if person else ""
        year = f"{self.year}[dp]" if self.year else ""
        words = re.sub(r"[^\w\s-]", " ", self.title)
        term = " ".join(filter(None, [author, year, words]))
        return "https://pubmed.ncbi.nlm.nih.gov/?" + urlencode({"term": " ".join(term.split())})

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{quote(self.doi, safe='/')}" if self.doi else ""

    @property
    def countries(self) -> list[str]:
        return split_countries(self.country)

    @property
    def may_count(self) -> bool:
        """An outcome study or systematic review of something that is not 'not mutual aid'."""
        return self.kind in OUTCOME_KINDS and self.studied in COUNTING_SUBJECTS

    @property
    def is_cautionary(self) -> bool:
        return self.may_count and self.outcome_direction in CAUTIONARY_DIRECTIONS

    @property
    def sample_text(self) -> str:
        if not self.sample_size:
            return "not reported"
        return f"{self.sample_size:,} {self.sample_unit or 'participants'}"

    def applicable_groups(self) -> models.QuerySet[Group]:
        """Published groups this record speaks to: the reverse of for_group()."""
        condition_slugs = {c.slug for c in self.conditions.all()}
        type_ids = [t.pk for t in self.group_types.all()]
        matches = Q()
        if type_ids:
            matches &= Q(group_type__in=type_ids)
        if condition_slugs and GENERAL_CONDITION not in condition_slugs:
            matches &= Q(
                Exists(
                    Group.conditions.through.objects.filter(
                        group=OuterRef("pk"), condition__slug__in=condition_slugs
                    )
                )
            )
        if not matches:
            # Any type, any condition: every group.
            return Group.objects.published()
        direct = Exists(
            Evidence.groups.through.objects.filter(evidence=self.pk, group=OuterRef("pk"))
        )
        return Group.objects.published().filter(Q(direct) | matches)

    @property
    def is_general(self) -> bool:
        """Not specific to a condition (uses prefetched conditions when there are any)."""
        slugs = {c.slug for c in self.conditions.all()}
        return not slugs or GENERAL_CONDITION in slugs


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def unique_key(authors: str, year: int | None) -> str:
    first = short_authors(authors).replace(" et al.", " et al").replace("&", "")
    base = slugify(f"{first} {year or 'undated'}")[:90] or "evidence"
    key, n = base, 2
    while Evidence.objects.filter(key=key).exists():
        key, n = f"{base}-{n}", n + 1
    return key


class Certainty(models.TextChoices):
    """A certainty rating, as GRADE names its levels, or none."""

    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NONE = "none", "None"


class EditorsRating(models.Model):
    """A certainty rating the directory's editors set by hand for one condition and type of
    group, with their reason. It may only be lower than the computed rating, or cite the
    records it rests on (the admin's form checks this against the computed rating). Who set
    it is kept in its history, never shown on the site."""

    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, related_name="editors_ratings"
    )
    group_type = models.ForeignKey(
        GroupType, on_delete=models.PROTECT, related_name="editors_ratings"
    )
    level = models.CharField("certainty", max_length=10, choices=Certainty.choices)
    direction = models.CharField(
        max_length=20,
        choices=Direction.choices,
        blank=True,
        help_text="Leave blank to keep the direction the records give.",
    )
    reason = models.TextField(help_text="Shown on group pages: why the editors set this rating.")
    records = models.ManyToManyField(
        Evidence,
        related_name="editors_ratings",
        blank=True,
        help_text="The records it rests on. Needed unless the rating is lower than computed.",
    )
    set_on = models.DateField(default=dt.date.today)
    history = HistoricalRecords(m2m_fields=["records"])

    class Meta:
        verbose_name = "rating set by the editors"
        verbose_name_plural = "ratings set by the editors"
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "group_type"], name="editors_rating_one_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(level__in=Certainty.values), name="editors_rating_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction="") | Q(direction__in=Direction.values),
                name="editors_rating_direction_valid",
            ),
            models.CheckConstraint(
                condition=~Q(level=Certainty.NONE) | Q(direction=""),
                name="editors_rating_none_has_no_direction",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="editors_rating_has_a_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.condition} · {self.group_type}: {self.get_level_display()}"


class ReportProblem(models.TextChoices):
    NOT_WHAT_SOURCE_SAYS = "not_source", "It says something the source does not say"
    TOO_STRONG = "too_strong", "It makes the evidence look stronger or weaker than it is"
    CITATION = "citation", "The citation or a link is wrong"
    OTHER = "other", "Something else"


class EvidenceReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Dealt with"


class EvidenceReportQuerySet(models.QuerySet["EvidenceReport"]):
    def open(self) -> EvidenceReportQuerySet:
        return self.filter(status=EvidenceReportStatus.OPEN)


class EvidenceReport(models.Model):
    """Someone says a record in the library is wrong ("Report a problem with this
    evidence"); it goes to the moderators' queue. Nothing about the sender is kept."""

    record = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="reports")
    problem = models.CharField(max_length=20, choices=ReportProblem.choices)
    details = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10,
        choices=EvidenceReportStatus.choices,
        default=EvidenceReportStatus.OPEN,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    resolution = models.TextField(blank=True)

    objects = EvidenceReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(problem__in=ReportProblem.values), name="evidence_report_problem_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EvidenceReportStatus.values),
                name="evidence_report_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="evidence_report_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_problem_display()}: {self.record}"
