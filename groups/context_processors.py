from django.core.cache import cache
from django.http import HttpRequest

from .models import Group

SAMPLE_ID_PREFIX = "demo-"


def site(request: HttpRequest) -> dict[str, bool]:
    """Whether sample (demo) listings are loaded, so every page can say so."""
    has_sample = cache.get("has_sample_groups")
    if has_sample is None:
        has_sample = Group.objects.filter(external_id__startswith=SAMPLE_ID_PREFIX).exists()
        cache.set("has_sample_groups", has_sample, 60)
    return {"has_sample_groups": has_sample}
