"""Organisers' pages about who organises a group: invitations, co-organisers, leaving, and
claiming a listed group."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from directory.feedback import attempt
from directory.http import SignedInRequest
from groups.models import Group

from . import team
from .forms import ClaimForm, InviteForm
from .models import ClaimStatus, GroupOwner
from .views import _get_group_for_organiser, organiser_required


def invite_page(
    request: SignedInRequest, group: Group, *, template: str, done: str, context: dict
) -> HttpResponse:
    """The invite form, for an organiser or (from the moderation pages) a moderator."""
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if attempt(
            request,
            lambda: team.invite_organiser(group=group, invited_by=request.user, email=email),
            f"We have emailed an invitation to {email.strip().lower()}.",
            form=form,
            field="email",
        ):
            return redirect(done)
    left = team.invitations_left_today(request.user)
    status = 429 if form.errors.get("email") and left == 0 else 200
    return render(
        request,
        template,
        {"group": group, "form": form, "invitations_left": left, **context},
        status=status,
    )


@organiser_required
def group_invite(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    return invite_page(
        request,
        group,
        template="organisers/group_invite.html",
        done=reverse("organisers:group", args=[group.pk]),
        context={},
    )


def resend_invitation(request: SignedInRequest, group: Group, invitation_pk: int) -> None:
    """Sends one of the group's invitations again (a new link; the old one stops), for an
    organiser or a moderator, and says how it went."""
    invitation = get_object_or_404(group.invitations, pk=invitation_pk)
    attempt(
        request,
        lambda: team.resend_invitation(invitation=invitation, user=request.user),
        f"We have sent the invitation to {invitation.email} again.",
    )


def cancel_invitation(request: SignedInRequest, group: Group, invitation_pk: int) -> None:
    invitation = get_object_or_404(group.invitations, pk=invitation_pk)
    team.cancel_invitation(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} is cancelled.")


@require_POST
@organiser_required
def invitation_resend(request: SignedInRequest, pk: int, invitation_pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    resend_invitation(request, group, invitation_pk)
    return redirect("organisers:group", pk=group.pk)


@require_POST
@organiser_required
def invitation_cancel(request: SignedInRequest, pk: int, invitation_pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    cancel_invitation(request, group, invitation_pk)
    return redirect("organisers:group", pk=group.pk)


@require_POST
@organiser_required
def organiser_remove(request: SignedInRequest, pk: int, owner_pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    owner = get_object_or_404(GroupOwner.objects.select_related("user"), group=group, pk=owner_pk)
    attempt(
        request,
        lambda: team.remove_organiser(group=group, owner=owner, by=request.user),
        f"{owner.user.email} no longer helps organise the group.",
    )
    return redirect("organisers:group", pk=group.pk)


@organiser_required
def group_leave(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    others = group.owners.exclude(user=request.user).count()
    if request.method == "POST":
        team.leave_group(group=group, user=request.user)
        messages.success(request, f"You no longer organise {group.name}.")
        return redirect("organisers:my_groups")
    return render(request, "organisers/group_leave.html", {"group": group, "others": others})


@organiser_required
def claim_group(request: SignedInRequest, slug: str) -> HttpResponse:
    """ "Is this your group?": a signed-in organiser with a confirmed address asks to help
    keep a listed group up to date."""
    group = get_object_or_404(Group.objects.published(), slug=slug)
    if group.owners.filter(user=request.user).exists():
        messages.info(request, "You already help organise this group.")
        return redirect("organisers:group", pk=group.pk)
    pending = group.claims.filter(user=request.user, status=ClaimStatus.PENDING).first()
    form = ClaimForm(request.POST if request.method == "POST" and not pending else None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            team.request_claim(group=group, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            status = 429 if team.claims_left_today(request.user) == 0 else 400
        else:
            return redirect("organisers:claim", slug=group.slug)
    context = {"group": group, "form": form, "pending": pending, "askees": team.claim_askees(group)}
    return render(request, "organisers/claim.html", context, status=status)


def claim_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The group's listed address or an organiser answers a claim from the emailed link,
    without signing in. Opening the link changes nothing (mail scanners follow links);
    the buttons do."""
    found = team.read_claim_token(token)
    if found is None:
        return render(request, "organisers/claim_answer.html", {"claim": None}, status=404)
    claim, email = found
    if request.method == "POST" and request.POST.get("answer") in ("yes", "no"):
        try:
            team.answer_claim(claim=claim, email=email, confirmed=request.POST["answer"] == "yes")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("organisers:claim_answer", token=token)
    return render(request, "organisers/claim_answer.html", {"claim": claim, "email": email})
