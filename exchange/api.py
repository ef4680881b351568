"""The Open Referral HSDS 3.0 API: read-only, open to any site (CORS), no key."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponseBase,
    HttpResponseNotModified,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from groups.filters import SearchFilter
from groups.models import Group
from groups.search import search_groups

from . import hsds, hsds_query, meeting_guide
from .hsds_query import BadParameter


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


def _bad(exc: BadParameter) -> JsonResponse:
    return _json({"errors": {exc.name: [exc.message]}}, status=400)


def _group_detail(
    request: HttpRequest, kind: str, id: str, to_json: Callable[[Group, hsds.Absolute], dict]
) -> JsonResponse:
    """The published group whose HSDS id of this kind is id, or a 404 naming the kind."""
    group = hsds.group_for(kind, id)
    if group is None:
        return _not_found(kind)
    return _json(to_json(group, _absolute(request)))


def _page_json(page: hsds_query.Page, contents: list[dict]) -> JsonResponse:
    """A page as the Open Referral API pages: total_items, total_pages, page_number, size,
    first_page, last_page, empty and contents. A page past the last is empty."""
    total_pages = max(1, math.ceil(page.total / page.per_page))
    return _json(
        {
            "total_items": page.total,
            "total_pages": total_pages,
            "page_number": page.number,
            "size": len(contents),
            "first_page": page.number == 1,
            "last_page": page.number >= total_pages,
            "empty": not contents,
            "contents": contents,
        }
    )


def _page(
    request: HttpRequest, endpoint: str, items: Sequence[Any], render: Callable[[Any], dict]
) -> JsonResponse:
    """A short list held in memory (taxonomies, terms), paged like the others."""
    try:
        hsds_query.check_names(endpoint, request.GET)
        number = hsds_query.whole_number(request.GET, "page", 1, 10**9)
        per_page = hsds_query.whole_number(
            request.GET, "per_page", hsds_query.DEFAULT_PAGE_SIZE, hsds_query.MAX_PAGE_SIZE
        )
    except BadParameter as exc:
        return _bad(exc)
    shown = items[(number - 1) * per_page : number * per_page]
    page = hsds_query.Page(list(shown), len(items), number, per_page)
    return _page_json(page, [render(item) for item in shown])


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
    """Services with their one-to-one fields (full=true nests everything), found by the one
    search and paged in the database; nearest first when a postcode is given."""
    try:
        query = hsds_query.list_query("services", request.GET)
    except BadParameter as exc:
        return _bad(exc)
    page = hsds_query.page_of_groups(query)
    absolute = _absolute(request)

    def render(group: Group) -> dict[str, Any]:
        if query.full:
            return hsds.service_json(group, absolute)
        data = hsds.service_summary_json(group, absolute)
        data["organization"] = hsds.organization_json(group, absolute)
        return data

    return _page_json(page, [render(group) for group in page.items])


@require_safe
def service_at_location_list(request: HttpRequest) -> JsonResponse:
    """Each service at each of its locations, found and paged as /services are; with a
    postcode, the physical locations within the proximity, nearest first."""
    try:
        query = hsds_query.list_query("service_at_locations", request.GET)
    except BadParameter as exc:
        return _bad(exc)
    page = hsds_query.page_of_locations(query)
    absolute = _absolute(request)
    render = hsds.service_at_location_full if query.full else hsds.service_at_location_item
    return _page_json(page, [render(group, kind, absolute) for group, kind in page.items])


@require_safe
def service_at_location_detail(request: HttpRequest, id: str) -> JsonResponse:
    found = hsds.service_at_location_for(id)
    if found is None:
        return _not_found("service at location")
    group, kind = found
    return _json(hsds.service_at_location_full(group, kind, _absolute(request)))


@require_safe
def service_detail(request: HttpRequest, id: str) -> JsonResponse:
    return _group_detail(request, "service", id, hsds.service_json)


@require_safe
def organization_list(request: HttpRequest) -> JsonResponse:
    absolute = _absolute(request)
    try:
        query = hsds_query.list_query("organizations", request.GET)
    except BadParameter as exc:
        return _bad(exc)
    page = hsds_query.page_of_groups(query)
    return _page_json(page, [hsds.organization_json(group, absolute) for group in page.items])


@require_safe
def organization_detail(request: HttpRequest, id: str) -> JsonResponse:
    return _group_detail(request, "organization", id, hsds.organization_full_json)


@require_safe
def taxonomy_list(request: HttpRequest) -> JsonResponse:
    absolute = _absolute(request)
    return _page(request, "taxonomies", hsds.TAXONOMIES, lambda t: hsds.taxonomy_json(t, absolute))


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
    return _page(
        request, "taxonomy_terms", terms, lambda t: hsds.term_json(t, absolute, nested=False)
    )


@require_safe
def term_detail(request: HttpRequest, id: str) -> JsonResponse:
    for term in hsds.all_terms():
        if term.id == id:
            return _json(hsds.term_json(term, _absolute(request)))
    return _not_found("taxonomy term")


MEETING_GUIDE_FILTERS = ("group_type", "condition")


@require_safe
def meeting_guide_feed(request: HttpRequest) -> HttpResponseBase:
    """Every weekly meeting of our published groups as one Meeting Guide JSON array,
    optionally only those of a group type or conditions. The ETag changes when any group
    does; an unchanged feed answers 304."""
    params = QueryDict(mutable=True)
    for name in MEETING_GUIDE_FILTERS:
        params.setlist(name, request.GET.getlist(name))
    filterset = SearchFilter(params, queryset=Group.objects.all())
    if not filterset.is_valid():
        return _json({"errors": filterset.form.errors.get_json_data()}, status=400)
    groups = search_groups(filterset.criteria())
    etag = (
        '"'
        + hashlib.sha256(
            f"{meeting_guide.version(groups)}|{params.urlencode()}".encode()
        ).hexdigest()[:32]
        + '"'
    )
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = StreamingHttpResponse(
            _json_array(meeting_guide.items(groups, request.build_absolute_uri)),
            content_type="application/json",
        )
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_array(items: Iterable[Any]) -> Iterator[bytes]:
    yield b"["
    for index, item in enumerate(items):
        yield (b"," if index else b"") + json.dumps(item, ensure_ascii=False).encode()
    yield b"]"
