"""Organisers answering us: "still meets as listed" from an emailed link (no sign-in),
"edit the listing" from an emailed link (behind sign-in), and their answers to a report
or a takedown from their group's page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from directory.feedback import attempt
from directory.http import SignedInRequest
from moderation import reports
from moderation.models import Report

from . import links, services
from .forms import AnswerForm
from .views import _get_group_for_organiser, organiser_required

STILL_MEETS_ANSWER = "It still meets as listed (confirmed from the emailed link)."


def still_meeting(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link shows the listing and a button; only the button confirms it."""
    found = links.read_still_meeting(token)
    if found is None:
        return render(request, "organisers/still_meeting.html", {"group": None}, status=404)
    group = found.group
    can_confirm = services.can_reconfirm(group)
    if request.method == "POST" and can_confirm:
        user = request.user if request.user.is_authenticated else None
        services.reconfirm_group(
            group=group, user=user, reason="Confirmed from the emailed link as still meeting"
        )
        report = (
            group.reports.open().filter(pk=found.report_id).first()
            if found.report_id is not None
            else None
        )
        if report is not None:
            reports.record_answer(report=report, text=STILL_MEETS_ANSWER, user=user)
        messages.success(request, "Thank you: the listing is confirmed as of today.")
        return redirect("organisers:still_meeting", token=token)
    context = {"group": group, "can_confirm": can_confirm}
    return render(request, "organisers/still_meeting.html", context)


@organiser_required
def edit_from_email(request: SignedInRequest, token: str) -> HttpResponse:
    """From "edit the listing" in an email, once signed in: the group's edit page (another
    account gets the 404 that any other group's page gives)."""
    group_id = links.read_edit(token)
    if group_id is None:
        return render(request, "organisers/still_meeting.html", {"group": None}, status=404)
    group = _get_group_for_organiser(request, group_id)
    return redirect("organisers:group_edit", pk=group.pk)


@require_POST
@organiser_required
def report_answer(request: SignedInRequest, pk: int, report_pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    report = get_object_or_404(Report.objects.open(), group=group, pk=report_pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: reports.record_answer(
                report=report, text=form.cleaned_data["text"], user=request.user
            ),
            "Thank you: a moderator will read your answer.",
        )
    else:
        messages.error(request, "Write your answer, then send it.")
    return redirect("organisers:group", pk=group.pk)


@require_POST
@organiser_required
def takedown_reply(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    decision = reports.standing_takedown(group)
    form = AnswerForm(request.POST)
    if decision is not None and form.is_valid():
        reports.reply_to_takedown(
            decision=decision, text=form.cleaned_data["text"], user=request.user
        )
        messages.success(request, "Thank you: a moderator will read your reply.")
    elif decision is not None:
        messages.error(request, "Write your reply, then send it.")
    return redirect("organisers:group", pk=group.pk)
