"""The read-only JSON API. It filters through the same SearchFilter and search_groups()
as the HTML page, so the two never disagree."""

from __future__ import annotations

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
from .models import WEEKDAY_CODES, Group, StepFree
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
    return {
        "id": group.pk,
        "slug": group.slug,
        "name": group.name,
        "summary": group.summary,
        "orientation": group.orientation,
        "group_type": group.group_type.slug,
        "conditions": [c.slug for c in group.condition_terms],
        "audiences": [a.slug for a in group.audience_terms],
        "format": group.format,
        "address": group.address,
        "town": group.town,
        "postcode": group.postcode,
        "latitude": group.latitude,
        "longitude": group.longitude,
        "distance_km": round(distance, 3) if distance is not None else None,
        "meetings": [
            {
                "weekday": WEEKDAY_CODES[m.weekday],
                "start": m.start_time.strftime("%H:%M"),
                "end": m.end_time.strftime("%H:%M"),
                "recurrence": m.recurrence,
                "week_of_month": m.week_of_month,
            }
            for m in group.sorted_meetings()
        ],
        "email": group.email,
        "phone": group.phone,
        "website": group.website,
        "cost": group.cost,
        "referral": group.referral,
        "step_free": STEP_FREE_FLAG[group.step_free],
        "languages": list(group.languages or []),
        "last_verified": group.last_verified.isoformat() if group.last_verified else None,
        "may_be_out_of_date": group.is_stale(),
        "url": request.build_absolute_uri(group.get_absolute_url()),
    }


@csrf_exempt  # read-only and cookie-free: any other method gets 405, not a CSRF 403
@never_cache  # a search near a patient's postcode is not kept in any cache
@require_safe
def group_list(request: HttpRequest) -> JsonResponse:
    filterset, results = run_search(request.GET)
    if results is None:
        errors = {name: list(messages) for name, messages in filterset.form.errors.items()}
        return _json({"errors": errors}, status=400)
    try:
        page = paginate(results, request.GET.get("page"))
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
        },
    )
