"""The map beside the search results. It is drawn only when the site has a tile server
(settings.MAP_TILE_URL); its markers come from the JSON API for the same query string, so
the map shows exactly the groups on the page of the list beside it."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.simple_tag
def results_map_enabled() -> bool:
    """Whether the search page loads the map's scripts and styles at all."""
    return bool(settings.MAP_TILE_URL)


@register.inclusion_tag("groups/_results_map.html", takes_context=True)
def results_map(context: template.Context) -> dict[str, Any]:
    """The map's container, hidden until static/js/results-map.js draws it; its settings
    travel in data- attributes (the CSP allows no inline script)."""
    page, request = context.get("page"), context.get("request")
    if not settings.MAP_TILE_URL or page is None or request is None or not page.paginator.count:
        return {"enabled": False}
    criteria = context.get("criteria")
    point = criteria.point if criteria is not None else None
    radius_km = criteria.radius_km if criteria is not None and point is not None else None
    return {
        "enabled": True,
        "tile_url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "api_url": f"{reverse('groups:api-group-list')}?{request.GET.urlencode()}",
        "point": point,
        "radius_km": radius_km,
        "first_number": page.start_index(),
    }
