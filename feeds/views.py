"""Moderators' pages for what sources bring (a source's first import, held changes,
gone listings, merges), and an organiser's page for a source's change to their group."""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from groups.models import Group
from moderation.views import problems, staff_required
from organisers.proposals import LABELS, describe_meeting

from . import changes
from .mapping import meeting_from_json
from .models import ChangeKind, ChangeStatus, Source, SourceChange


@require_safe
@staff_required
def sources(request: HttpRequest) -> HttpResponse:
    """Every source, how it is doing, and what of it waits for a moderator."""
    rows = [
        {"source": s, "waiting": changes.first_import(s).count()}
        for s in Source.objects.order_by("name")
    ]
    held = SourceChange.objects.for_moderators().select_related("group", "source")
    return render(request, "feeds/sources.html", {"rows": rows, "held": held})


@staff_required
def first_import(request: HttpRequest, pk: int) -> HttpResponse:
    """A source's first sync, approved in bulk: every listing it brought that still waits,
    each with any group it looks like. Those are left unticked, to merge or review alone."""
    source = get_object_or_404(Source, pk=pk)
    imported = changes.with_duplicates(changes.first_import(source))
    if request.method == "POST":
        wanted = set(request.POST.getlist("group"))
        chosen = [
            (item.group, request.POST.get(f"version-{item.group.pk}", ""))
            for item in imported
            if str(item.group.pk) in wanted
        ]
        approved, refused = _approve(chosen, request.user)
        if approved:
            messages.success(request, f"{approved} listing{'s' * (approved != 1)} approved.")
        for group, why in refused:
            messages.error(request, f"{group.name} was not approved: {why}")
        return redirect("feeds:first_import", pk=source.pk)
    return render(request, "feeds/first_import.html", {"source": source, "imported": imported})


def _approve(seen: list[tuple[Group, str]], moderator: Any) -> tuple[int, list[tuple[Group, str]]]:
    approved, refused = 0, []
    for group, version in seen:
        try:
            changes.approve_all([(group, version)], moderator)
        except ValidationError as exc:
            refused.append((group, " ".join(problems(exc))))
        else:
            approved += 1
    return approved, refused


@require_POST
@staff_required
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    duplicate = get_object_or_404(Group, pk=pk)
    into = get_object_or_404(Group, pk=request.POST.get("into") or 0)
    changes.merge(duplicate, into, request.user)
    messages.success(request, f"{duplicate.name} is merged into {into.name}, with its source.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("feeds:sources")


@staff_required
def review_change(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(
        SourceChange.objects.select_related("group", "source"),
        pk=pk,
        kind__in=[ChangeKind.CONTACT, ChangeKind.GONE],
    )
    return _decide(request, change, "feeds:sources", "feeds/review_change.html")


def _organiser_change(request: HttpRequest, pk: int) -> SourceChange:
    """The change, if the signed-in user organises its group; otherwise 404."""
    return get_object_or_404(
        SourceChange.objects.select_related("group", "source"),
        pk=pk,
        kind=ChangeKind.ORGANISER,
        group__owners__user=request.user,
    )


@verified_email_required
def organiser_change(request: HttpRequest, pk: int) -> HttpResponse:
    change = _organiser_change(request, pk)
    return _decide(request, change, "organisers:my_groups", "feeds/organiser_change.html")


def _decide(request: HttpRequest, change: SourceChange, done: str, template: str) -> HttpResponse:
    if request.method == "POST" and change.status == ChangeStatus.PENDING:
        try:
            if request.POST.get("action") == "accept":
                changes.accept(change, request.user)
                messages.success(request, "Done: the change is made.")
            else:
                changes.decline(change, request.user)
                messages.success(request, "Done: the listing stays as it is.")
        except ValidationError as exc:
            messages.error(request, " ".join(problems(exc)))
        return redirect(done)
    return render(request, template, {"change": change, "rows": rows_of(change)})


def rows_of(change: SourceChange) -> list[dict[str, Any]]:
    """Each field the change touches, as it is and as the source has it, in words."""
    return [
        {
            "label": LABELS.get(name, name),
            "before": _shown(change.previous.get(name)),
            "after": _shown(value),
        }
        for name, value in change.values.items()
    ]


def _shown(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "\n".join(describe_meeting(meeting_from_json(m)) for m in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
