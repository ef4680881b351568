"""Moderators' pages about who organises a group: claims to decide, and inviting an
organiser for any group."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from directory.http import SignedInRequest
from groups.models import Group
from organisers import team
from organisers.models import Claim, ClaimStatus
from organisers.team_views import cancel_invitation, invite_page, resend_invitation

from .forms import DecisionForm
from .views import staff_required


@staff_required
def claim_review(request: SignedInRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("group", "user"), pk=pk)
    rejecting = request.POST.get("action") == "reject"
    form = DecisionForm(request.POST if request.method == "POST" else None, rejecting=rejecting)
    if request.method == "POST" and claim.status == ClaimStatus.PENDING and form.is_valid():
        try:
            if rejecting:
                team.reject_claim(
                    claim=claim, moderator=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request, "The request is not approved. We have emailed the reason."
                )
            else:
                team.approve_claim(claim=claim, moderator=request.user)
                messages.success(
                    request, f"{claim.user.email} now helps organise {claim.group.name}."
                )
            return redirect("moderation:queue")
        except ValidationError as exc:
            form.add_error(None, exc.messages)
    context = {
        "claim": claim,
        "group": claim.group,
        "form": form,
        "askees": team.claim_askees(claim.group),
        "organisers": claim.group.owners.select_related("user").order_by("added_at"),
    }
    return render(request, "moderation/claim.html", context)


def _group(pk: int) -> Group:
    return get_object_or_404(Group, pk=pk)


@staff_required
def group_organisers(request: SignedInRequest, pk: int) -> HttpResponse:
    """Any group's organisers and open invitations, and a form to invite one by email."""
    group = _group(pk)
    return invite_page(
        request,
        group,
        template="moderation/group_organisers.html",
        done=reverse("moderation:group_organisers", args=[group.pk]),
        context={
            "organisers": group.owners.select_related("user").order_by("added_at"),
            "invitations": team.open_invitations(group),
        },
    )


@require_POST
@staff_required
def invitation_resend(request: SignedInRequest, pk: int, invitation_pk: int) -> HttpResponse:
    resend_invitation(request, _group(pk), invitation_pk)
    return redirect("moderation:group_organisers", pk=pk)


@require_POST
@staff_required
def invitation_cancel(request: SignedInRequest, pk: int, invitation_pk: int) -> HttpResponse:
    cancel_invitation(request, _group(pk), invitation_pk)
    return redirect("moderation:group_organisers", pk=pk)
