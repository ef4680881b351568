"""A sync the admin asks for runs in the worker, not in the request."""

from __future__ import annotations

from django.tasks import task

from .models import Source
from .sync import sync_source


@task()
def sync_source_task(source_id: int) -> str:
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return "No such source."
    return sync_source(source).summary()
