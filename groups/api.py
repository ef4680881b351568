"""The read-only JSON API. It filters through the same SearchFilter and search_groups()
as the HTML page, so the two never disagree."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.http import escape_leading_slashes
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from evidence.summary import evidence_json

from . import taxonomy
from .fields import API
from .models import WEEKDAY_CODES, Group, Meeting, StepFree, Venue
from .openapi import openapi_document
from .search import paginate, run_search

# Step-free access as a flag: true, false, or null when the group has not said.
STEP_FREE_FLAG: dict[str, bool | None] = {
    StepFree.YES: True,
    StepFree.NO: False,
    StepFree.UNKNOWN: None,
}


def _json(data: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # Open data: any site may read it. No cookies are involved.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def group_json(group: Group, request: HttpRequest) -> dict[str, Any]:
    distance = getattr(group, "distance_km", None)
    hidden = group.hides_venue
    found = group.next_meeting()
    return {
        "id": group.pk,
        "slug": group.slug,
        "name": group.name,
        "summary": group.summary,
        "orientation": group.orientation,
        "group_type": group.type_slug,
        "conditions": [c.slug for c in group.condition_terms],
        "audiences": [a.slug for a in group.audience_terms],
        "format": group.format,
        "address": "" if hidden else group.address,
        "town": group.town,
        # A hidden venue is never sent, nor anything that would place it.
        "venue_hidden": hidden,
        "postcode": None if hidden else group.postcode,
        "latitude": None if hidden else group.latitude,
        "longitude": None if hidden else group.longitude,
        "distance_km": _distance(distance, hidden),
        "meetings": [meeting_json(m, hidden) for m in group.sorted_meetings()],
        "email": group.email,
        "phone": group.phone,
        "website": group.website,
        "cost": group.cost,
        "referral": group.referral,
        "step_free": STEP_FREE_FLAG[group.step_free],
        "languages": list(group.languages or []),
        "online_url": group.online_url,
        "online_on_request": group.online_on_request,
        "dial_in": group.dial_in,
        "joining_notes": group.joining_notes,
        "what_to_expect": group.what_to_expect,
        "paused": group.is_paused(),
        "paused_until": group.paused_until.isoformat() if group.paused_until else None,
        "next_meeting": {"start": found.start.isoformat(), "end": found.end.isoformat()}
        if found
        else None,
        "last_verified": group.last_verified.isoformat() if group.last_verified else None,
        "may_be_out_of_date": group.is_stale(),
        "url": request.build_absolute_uri(group.get_absolute_url()),
    }


def _distance(km: float | None, hidden: bool) -> float | None:
    if km is None:
        return None
    # To the nearest kilometre for a hidden venue: distances to a few places would
    # otherwise pin it down.
    return float(round(km)) if hidden else round(km, 3)


def meeting_json(meeting: Meeting, hidden: bool) -> dict[str, Any]:
    """A meeting, with how it runs: its own values, else its group's."""
    venue = meeting.venue
    joining = meeting.joining
    return {
        "weekday": WEEKDAY_CODES[meeting.weekday],
        "start": meeting.start_time.strftime("%H:%M"),
        "end": meeting.end_time.strftime("%H:%M"),
        "ends_next_day": meeting.crosses_midnight,
        "recurrence": meeting.recurrence,
        "week_of_month": meeting.week_of_month,
        "anchor_date": meeting.anchor_date.isoformat() if meeting.anchor_date else None,
        "note": meeting.note,
        "format": meeting.effective_format,
        "venue": _venue_json(venue, hidden) if venue else None,
        "joining": {
            "online_url": joining.online_url,
            "on_request": joining.on_request,
            "dial_in": joining.dial_in,
            "notes": joining.notes,
        }
        if joining
        else None,
        "audiences": [a.slug for a in meeting.audience_terms],
        "languages": meeting.language_codes,
    }


def _venue_json(venue: Venue, hidden: bool) -> dict[str, Any]:
    if hidden:
        return {"hidden": True, "town": venue.town, "step_free": venue.step_free}
    return {"hidden": False, **dataclasses.asdict(venue)}


@csrf_exempt  # read-only and cookie-free: any other method gets 405, not a CSRF 403
@never_cache  # a search near a patient's postcode is not kept in any cache
@require_safe
def group_list(request: HttpRequest) -> JsonResponse:
    filterset, results = run_search(request.GET, paged=True)
    if results is None:
        errors = {name: list(messages) for name, messages in filterset.form.errors.items()}
        return _json({"errors": errors}, status=400)
    try:
        page = paginate(results, request.GET.get("page"), use=API, criteria=filterset.criteria())
    except PageNotAnInteger:
        return _json({"errors": {"page": ["Enter a whole number."]}}, status=400)
    except EmptyPage:
        return _json({"detail": "No such page of results."}, status=404)

    def page_url(number: int) -> str:
        params = request.GET.copy()
        params["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return _json(
        {
            "count": page.paginator.count,
            "count_is_lower_bound": page.paginator.count_is_lower_bound,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "results": [group_json(group, request) for group in page.object_list],
        }
    )


@csrf_exempt
@require_safe
def group_detail(request: HttpRequest, pk: int) -> JsonResponse:
    group = Group.objects.published().with_cards().filter(pk=pk).first()
    if group is None:
        # JSON, like every other API answer, rather than the site's HTML 404 page.
        return _json({"detail": "No published group with that id."}, status=404)
    return _json(group_json(group, request) | evidence_json(group, request))


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other URL under /api/ (such as /api/groups/abc/) answers in JSON too; one that
    only lacks its trailing slash (/api/groups) is sent on with 308, which keeps the method
    and the query string."""
    slashed = _with_slash(request)
    if slashed is not None:
        response = HttpResponsePermanentRedirect(slashed)
        response.status_code = 308
        response["Access-Control-Allow-Origin"] = "*"
        return response
    return _json({"detail": "No such API URL."}, status=404)


def _with_slash(request: HttpRequest) -> str | None:
    if request.path_info.endswith("/"):
        return None
    try:
        match = resolve(request.path_info + "/")
    except Resolver404:
        return None
    if match.func is not_found:
        return None
    query = request.META.get("QUERY_STRING", "")
    return escape_leading_slashes(request.path + "/") + (f"?{query}" if query else "")


@csrf_exempt
@require_safe
def schema(request: HttpRequest) -> JsonResponse:
    return _json(openapi_document())


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """The API for people: what it offers, with links to the OpenAPI document and HSDS."""
    return render(
        request,
        "groups/api_docs.html",
        {
            "conditions": taxonomy.conditions().all,
            "group_types": taxonomy.group_types().all,
            "audiences": taxonomy.audiences().all,
            "max_radius_km": settings.MAX_RADIUS_KM,
            "count_cap": settings.SEARCH_COUNT_CAP,
        },
    )
