"""The Open Referral HSDS 3.0 API: read-only, open to any site (CORS), no key."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from . import hsds

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _json(data: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    # Open data: any site may read it. No cookies are involved.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found(what: str) -> JsonResponse:
    return _json({"detail": f"No {what} with that id."}, status=404)


def _absolute(request: HttpRequest) -> hsds.Absolute:
    return request.build_absolute_uri


class BadParameter(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _whole_number(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadParameter(name, "Enter a whole number of 1 or more.")
    if int(raw) > maximum:
        raise BadParameter(name, f"Can be at most {maximum}.")
    return int(raw)


def _page(
    request: HttpRequest, items: Sequence[Any], render: Callable[[Any], dict]
) -> JsonResponse:
    """A page as the Open Referral API pages: total_items, total_pages, page_number, size,
    first_page, last_page, empty and contents. A page past the last is empty."""
    try:
        number = _whole_number(request, "page", 1, 10**9)
        per_page = _whole_number(request, "per_page", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    except BadParameter as exc:
        return _json({"errors": {exc.name: [exc.message]}}, status=400)
    total = len(items)
    total_pages = max(1, math.ceil(total / per_page))
    contents = [render(item) for item in items[(number - 1) * per_page : number * per_page]]
    return _json(
        {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": number,
            "size": len(contents),
            "first_page": number == 1,
            "last_page": number >= total_pages,
            "empty": not contents,
            "contents": contents,
        }
    )


@require_safe
def root(request: HttpRequest) -> JsonResponse:
    return _json(
        {
            "version": hsds.HSDS_VERSION,
            "profile": "https://docs.openreferral.org/en/latest/hsds/",
            "services": request.build_absolute_uri("/api/hsds/services/"),
        }
    )


@require_safe
def service_list(request: HttpRequest) -> JsonResponse:
    """Services with their one-to-one fields (full=true nests everything), filtered by
    taxonomy_term_id, taxonomy_id or organization_id as the Open Referral API does."""
    groups = list(hsds.published_groups())
    term_id = request.GET.get("taxonomy_term_id", "")
    taxonomy_id = request.GET.get("taxonomy_id", "")
    org_id = request.GET.get("organization_id", "")
    if term_id:
        groups = [g for g in groups if term_id in {t.id for t in hsds.group_terms(g)}]
    if taxonomy_id:
        groups = [g for g in groups if taxonomy_id in {t.taxonomy.id for t in hsds.group_terms(g)}]
    if org_id:
        groups = [g for g in groups if hsds.organization_id(g) == org_id]
    absolute = _absolute(request)
    full = request.GET.get("full", "").lower() == "true"

    def render(group):
        if full:
            return hsds.service_json(group, absolute)
        data = hsds.service_summary_json(group, absolute)
        data["organization"] = hsds.organization_json(group, absolute)
        return data

    return _page(request, groups, render)


@require_safe
def service_detail(request: HttpRequest, id: str) -> JsonResponse:
    group = hsds.group_for("service", id)
    if group is None:
        return _not_found("service")
    return _json(hsds.service_json(group, _absolute(request)))


@require_safe
def organization_list(request: HttpRequest) -> JsonResponse:
    absolute = _absolute(request)
    return _page(
        request,
        list(hsds.published_groups()),
        lambda group: hsds.organization_json(group, absolute),
    )


@require_safe
def organization_detail(request: HttpRequest, id: str) -> JsonResponse:
    group = hsds.group_for("organization", id)
    if group is None:
        return _not_found("organization")
    return _json(hsds.organization_full_json(group, _absolute(request)))


@require_safe
def taxonomy_list(request: HttpRequest) -> JsonResponse:
    absolute = _absolute(request)
    return _page(request, hsds.TAXONOMIES, lambda t: hsds.taxonomy_json(t, absolute))


@require_safe
def taxonomy_detail(request: HttpRequest, id: str) -> JsonResponse:
    for taxonomy in hsds.TAXONOMIES:
        if taxonomy.id == id:
            return _json(hsds.taxonomy_json(taxonomy, _absolute(request)))
    return _not_found("taxonomy")


@require_safe
def term_list(request: HttpRequest) -> JsonResponse:
    terms = hsds.all_terms()
    if taxonomy_id := request.GET.get("taxonomy_id", ""):
        terms = [t for t in terms if t.taxonomy.id == taxonomy_id]
    absolute = _absolute(request)
    return _page(request, terms, lambda t: hsds.term_json(t, absolute, nested=False))


@require_safe
def term_detail(request: HttpRequest, id: str) -> JsonResponse:
    for term in hsds.all_terms():
        if term.id == id:
            return _json(hsds.term_json(term, _absolute(request)))
    return _not_found("taxonomy term")
