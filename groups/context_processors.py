from django.http import HttpRequest

from directory.memo import Memo

from .models import Group

SAMPLE_ID_PREFIX = "demo-"

# Decided once a minute per process rather than by a query on every page.
_has_sample = Memo(
    lambda: Group.objects.filter(external_id__startswith=SAMPLE_ID_PREFIX).exists(),
    lambda: 60,
)


def site(request: HttpRequest) -> dict[str, bool]:
    """Whether sample (demo) listings are loaded, so every page can say so."""
    return {"has_sample_groups": _has_sample.get()}
