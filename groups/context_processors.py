from django.conf import settings
from django.http import HttpRequest

from directory.memo import Memo

from .models import Group

SAMPLE_ID_PREFIX = "demo-"

# Decided once a minute per process rather than by a query on every page.
_has_sample = Memo(
    lambda: Group.objects.filter(external_id__startswith=SAMPLE_ID_PREFIX).exists(),
    lambda: 60,
)


def has_sample_groups() -> bool:
    return _has_sample.get()


def site(request: HttpRequest) -> dict[str, object]:
    """Whether sample (demo) listings are loaded, so every page can say so, and the
    address people can write to."""
    return {"has_sample_groups": _has_sample.get(), "contact_email": settings.CONTACT_EMAIL}
