from __future__ import annotations

import datetime as dt
import math
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from directory.http import HtmxRequest
from evidence.summary import groups_with_cautions

from .filters import RADIUS_MILES, SearchFilter, km_value
from .geo import KM_PER_MILE, POSTCODE_RE, normalise
from .models import ORIENTATION_EXPLAINED, Format, Group, PlaceKind, Status, london_now
from .search import alternatives_to, nearest_beyond, paginate, run_search
from .suggest import did_you_mean

# Parameters that, when present, mean the page should show results.
SEARCH_PARAMETERS = set(SearchFilter.base_filters)


def needs_a_place(filterset: SearchFilter) -> bool:
    """The page searches near a place: without one (or keywords, or online groups) it
    would list every group in the country, so it asks for a place first. The API lists."""
    criteria = filterset.criteria()
    return criteria.point is None and not criteria.q and criteria.format != Format.ONLINE


def _no_dead_end(request: HttpRequest, filterset: SearchFilter) -> dict[str, object]:
    """For a search that found nothing: a spelling to try, the nearest matches beyond the
    radius and wider searches that reach them."""
    criteria = filterset.criteria()
    found: dict[str, object] = {}
    if criteria.q and (suggestion := did_you_mean(criteria.q)):
        found["suggestion"] = suggestion
        found["suggestion_url"] = _with(request, q=suggestion)
    beyond = nearest_beyond(criteria)
    if beyond:
        found["beyond"] = beyond
        found["wider"] = [
            (label, _with(request, radius_km=km))
            for km, label in _wider_radii(criteria.radius_km, getattr(beyond[0], "distance_km", 0))
        ]
    return found


# The search's filters, as against where and how far (SearchFilter declares them all).
WHERE = frozenset({"near", "lat", "lng", "radius_km"})
FILTERS = tuple(name for name in SearchFilter.base_filters if name not in WHERE)


def _active_filters(request: HttpRequest) -> int:
    return sum(1 for name in FILTERS for value in request.GET.getlist(name) if value.strip())


def _place_choices(request: HttpRequest, filterset: SearchFilter) -> list[tuple[str, str]]:
    """Places that share the name typed, each as the same search near it."""
    places = getattr(filterset.form, "place_choices", []) if filterset.is_bound else []
    labels = [f"{p.name}, {p.county}" if p.county else p.name for p in places]
    return [(label, _with(request, near=label)) for label in labels]


def _wider_radii(current_km: float, nearest_km: float) -> list[tuple[str, str]]:
    """The page's larger distances, up to the first that reaches the nearest match."""
    wider = []
    for miles in RADIUS_MILES:
        km = miles * KM_PER_MILE
        if km <= current_km + 0.01:
            continue
        wider.append((km_value(km), f"{miles} miles"))
        if km >= nearest_km:
            break
    else:
        km = min(math.ceil(nearest_km / 10) * 10, settings.MAX_RADIUS_KM)
        wider.append((km_value(km), f"{km / KM_PER_MILE:.0f} miles"))
    return wider


def _with(request: HttpRequest, **changes: object) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for name, value in changes.items():
        params[name] = str(value)
    return f"{reverse('groups:search')}?{params.urlencode()}"


# Never stored by the browser (results near a patient's postcode, on a shared computer),
# and never the results fragment where the page belongs (the Back button).
@never_cache
@vary_on_headers("HX-Request")
@require_safe
def search(request: HtmxRequest) -> HttpResponse:
    searched = bool(SEARCH_PARAMETERS & set(request.GET))
    filterset, results = (
        run_search(request.GET, paged=True)
        if searched
        else (SearchFilter(queryset=Group.objects.none()), None)
    )
    page = None
    ask_place = results is not None and needs_a_place(filterset)
    if ask_place:
        results = None
    if results is not None:
        try:
            page = paginate(results, request.GET.get("page"), criteria=filterset.criteria())
        except (EmptyPage, PageNotAnInteger):
            raise Http404("No such page of results") from None
    dead_end = (
        _no_dead_end(request, filterset) if page is not None and not page.paginator.count else {}
    )
    context = {
        "caution_group_ids": groups_with_cautions(page.object_list) if page else set(),
        "filterset": filterset,
        # The page draws the FilterSet's own form: its fields, choices and widgets.
        "form": filterset.form,
        "searched": searched,
        "page": page,
        "place": filterset.form.cleaned_data.get("place")
        if filterset.is_bound and results is not None
        else None,
        "criteria": filterset.criteria() if results is not None else None,
        "from_district_centre": _from_district_centre(filterset, request.GET.get("near", "")),
        "today": dt.date.today(),
        "now": london_now(),
        "querystring_without_page": _without_page(request),
        "ask_place": ask_place,
        "active_filters": _active_filters(request),
        "place_choices": _place_choices(request, filterset),
        **dead_end,
    }
    swap_results_only = (
        request.htmx
        and not request.htmx.history_restore_request
        and not filterset.form.errors
        # The page still shows the last search's errors (static/js/search.js says so).
        and not request.headers.get("X-Errors-Shown")
    )
    if swap_results_only:
        # Only the results change; the form stays as the user left it.
        return render(request, "groups/search.html#results", context)
    response = render(request, "groups/search.html", context)
    if request.htmx and not request.htmx.history_restore_request:
        # Errors belong beside the fields and in the summary above them, and go once
        # corrected: swap the page.
        response["HX-Retarget"] = "#search-page"
        response["HX-Reselect"] = "#search-page"
        response["HX-Reswap"] = "outerHTML"
    return response


def _from_district_centre(filterset: SearchFilter, near: str) -> bool:
    """A full postcode that is not in our places list was searched from its district's
    centre: the clinician should know the distances are not from the patient's door."""
    place = filterset.form.cleaned_data.get("place") if filterset.is_bound else None
    return bool(place and place.kind == PlaceKind.DISTRICT and POSTCODE_RE.match(normalise(near)))


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# Its "Back to search" link is built from the Referer, so it may hold a postcode: no-store.
@never_cache
@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(Group.objects.public().with_cards(), slug=slug)
    if group.status == Status.ARCHIVED:
        return closed(request, group)
    now = london_now()
    return render(
        request,
        "groups/detail.html",
        {
            "group": group,
            "today": now.date(),
            "now": now,
            "back_to_search": search_came_from(request),
            "crisis_groups": [group],
        },
    )


def closed(request: HttpRequest, group: Group) -> HttpResponse:
    """A group that has closed or left the directory still answers (its address is printed
    on sheets and in QR codes) with when it stopped and groups like it nearby, never its
    old contact details."""
    response = render(
        request,
        "groups/closed.html",
        {"group": group, "alternatives": alternatives_to(group), "crisis_groups": [group]},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def search_came_from(request: HttpRequest) -> str:
    """The search results the clinician came from (our own page, from the Referer header,
    which the Referrer-Policy sends only within the site), else the empty search."""
    referer = request.headers.get("Referer", "")
    home = reverse("groups:search")
    if url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=False):
        parts = urlsplit(referer)
        if parts.path == home and parts.query:
            return f"{home}?{parts.query}"
    return home


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "groups/about.html", {"orientations": ORIENTATION_EXPLAINED})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "favicon.svg").read_bytes()


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: answer with the SVG icon
    rather than a 404 in every log."""
    return HttpResponse(_favicon(), content_type="image/svg+xml")
