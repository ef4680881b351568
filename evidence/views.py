from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .filters import EvidenceFilter, GapMapFilter
from .gap_map import DIRECTIONS, SHORT_DESIGN, build_gap_map
from .models import DESIGN_ORDER, Design, Evidence
from .summary import REVIEW_CITATION

LIBRARY_PAGE_SIZE = 20
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
        Evidence.objects.published().prefetch_related("conditions", "group_types", "audiences"),
        key=key,
    )
    groups = record.applicable_groups().select_related("group_type").order_by("name", "pk")
    return render(
        request,
        "evidence/detail.html",
        {
            "record": record,
            "page": _page(groups, request.GET.get("page"), GROUPS_PAGE_SIZE),
            "review_citation": REVIEW_CITATION,
        },
    )
