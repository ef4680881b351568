from __future__ import annotations

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from directory.http import SignedInRequest
from moderation.digest import add_to_digest
from moderation.forms import form_timestamp
from moderation.models import DigestKind
from moderation.ratelimit import allow
from moderation.views import REPORTS_PER_HOUR, staff_required

from .certainty import (
    CARERS,
    MAX_DOWNGRADE,
    SMALL_SAMPLE,
    START,
    STATEMENTS,
    Level,
    RecordFacts,
    may_count,
    rate_record,
)
from .filters import EvidenceFilter, GapMapFilter
from .forms import EvidenceReportForm, ResolveEvidenceReportForm
from .gap_map import DIRECTIONS, SHORT_DESIGN, build_gap_map
from .intro import library_intro
from .models import DESIGN_ORDER, Design, Evidence, EvidenceReport, EvidenceReportStatus
from .review_words import CAVEATS_SENTENCE, REVIEW_AGE
from .summary import REVIEW_CITATION

LIBRARY_PAGE_SIZE = 20
INTRO_FIELDS = ("kind", "studied", "design", "country", "origin")
GROUPS_PAGE_SIZE = 50


def _page(queryset, number: str | None, size: int):
    try:
        return Paginator(queryset, size).page(number or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page") from None


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_safe
def library(request: HttpRequest) -> HttpResponse:
    filterset = EvidenceFilter(
        request.GET, queryset=Evidence.objects.published().by_strength().distinct()
    )
    valid = filterset.is_valid()
    page = _page(
        filterset.qs if valid else Evidence.objects.none(),
        request.GET.get("page"),
        LIBRARY_PAGE_SIZE,
    )
    return render(
        request,
        "evidence/library.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page": page,
            "filtered": any(request.GET.get(name) for name in filterset.filters),
            "querystring_without_page": _without_page(request),
            "review_citation": REVIEW_CITATION,
            "intro": library_intro(Evidence.objects.published().only(*INTRO_FIELDS)),
            "caveats": CAVEATS_SENTENCE,
        },
        status=200 if valid else 400,
    )


@require_safe
def gap_map(request: HttpRequest) -> HttpResponse:
    filterset = GapMapFilter(request.GET, queryset=Evidence.objects.none())
    valid = filterset.is_valid()
    audience = filterset.form.cleaned_data.get("audience") if valid else None
    return render(
        request,
        "evidence/gap_map.html",
        {
            "form": filterset.form,
            "map": build_gap_map(audience) if valid else None,
            "audience": audience,
            "directions": DIRECTIONS,
            "designs": [(SHORT_DESIGN[d], Design(d).label) for d in DESIGN_ORDER],
            "review_citation": REVIEW_CITATION,
        },
        status=200 if valid else 400,
    )


@require_safe
def detail(request: HttpRequest, key: str) -> HttpResponse:
    record = get_object_or_404(
        Evidence.objects.published().prefetch_related(
            "conditions", "group_types", "audiences", "groups"
        ),
        key=key,
    )
    groups = record.applicable_groups().select_related("group_type").order_by("name", "pk")
    facts = RecordFacts.of(record)
    return render(
        request,
        "evidence/detail.html",
        {
            "record": record,
            "rated": rate_record(facts) if may_count(facts) else None,
            "carers_only": CARERS in facts.audiences,
            "page": _page(groups, request.GET.get("page"), GROUPS_PAGE_SIZE),
            "review_citation": REVIEW_CITATION,
            "review_age": REVIEW_AGE,
            "caveats": CAVEATS_SENTENCE,
        },
    )


@require_safe
def how_we_rate(request: HttpRequest) -> HttpResponse:
    """The rules of evidence.certainty, in words, from the same constants."""
    starts = {
        level: [Design(d).label for d, start in START.items() if start == level]
        for level in (Level.HIGH, Level.LOW, Level.VERY_LOW)
    }
    wording = [
        (level.label, [STATEMENTS[d][level] for d in ("positive", "negative", "no_effect")])
        for level in (Level.HIGH, Level.MODERATE, Level.LOW, Level.VERY_LOW)
    ]
    return render(
        request,
        "evidence/how_we_rate.html",
        {
            "starts": starts,
            "small_sample": SMALL_SAMPLE,
            "max_downgrade": MAX_DOWNGRADE,
            "wording": wording,
            "caveats": CAVEATS_SENTENCE,
            "review_age": REVIEW_AGE,
            "review_citation": REVIEW_CITATION,
        },
    )


def report(request: HttpRequest, key: str) -> HttpResponse:
    """Anyone can say a record is wrong; the report goes to the moderators. Rate-limited
    per client (by a hash of its address, never stored), with the listing report form's
    spam traps."""
    record = get_object_or_404(Evidence.objects.published(), key=key)
    context = {"record": record}
    if request.method == "POST":
        form = EvidenceReportForm(request.POST)
        if form.is_spam():
            return render(request, "evidence/report_thanks.html", context)
        if not allow(request, "evidence-report", limit=REPORTS_PER_HOUR, seconds=3600):
            return render(request, "evidence/report_limited.html", context, status=429)
        if form.is_valid():
            created = EvidenceReport.objects.create(
                record=record,
                problem=form.cleaned_data["problem"],
                details=form.cleaned_data["details"],
            )
            # In the site's own words: the record's citation and the problem's label, never
            # what the reporter wrote.
            add_to_digest(
                DigestKind.EVIDENCE,
                f"{record.short_citation}: {created.get_problem_display()}",
                url=reverse("evidence:report-detail", args=[created.pk]),
            )
            return render(request, "evidence/report_thanks.html", context)
        data = request.POST.copy()
        data["shown_at"] = form_timestamp()
        form.data = data
    else:
        form = EvidenceReportForm(initial={"shown_at": form_timestamp()})
    return render(request, "evidence/report_form.html", {**context, "form": form})


@staff_required
def report_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """A moderator reads a report about a record and closes it, saying what they did."""
    report = get_object_or_404(EvidenceReport.objects.select_related("record"), pk=pk)
    form = ResolveEvidenceReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and report.status == EvidenceReportStatus.OPEN and form.is_valid():
        report.status = EvidenceReportStatus.RESOLVED
        report.resolved_at = timezone.now()
        report.resolved_by = request.user
        report.resolution = form.cleaned_data["note"]
        report.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
        messages.success(request, "The report is dealt with.")
        return redirect("moderation:queue")
    return render(
        request,
        "evidence/report_detail.html",
        {"report": report, "record": report.record, "form": form},
    )
