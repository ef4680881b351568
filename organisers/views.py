"""Organisers' pages: their groups, the group form, and what they can do to a group."""

from __future__ import annotations

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from directory.feedback import attempt
from directory.http import SignedInRequest
from groups.fields import LABELS
from groups.models import ArchivedReason, Group, Recurrence, Status, london_today
from moderation import reports
from moderation.models import Action, Decision

from . import services, team
from .forms import (
    AnswerForm,
    BaseMeetingFormSet,
    CloseForm,
    GroupForm,
    MeetingFormSet,
    PauseForm,
    meeting_initial,
)
from .models import GroupRevision, RevisionStatus
from .proposals import Proposal, differences

organiser_required = verified_email_required


def _get_group_for_organiser(request: SignedInRequest, pk: int) -> Group:
    """The group, if the signed-in user organises it; otherwise 404, so another
    organiser's group looks the same as one that does not exist."""
    groups = Group.objects.filter(owners__user=request.user).exclude(
        archived_reason=ArchivedReason.DELETED
    )
    return get_object_or_404(groups, pk=pk)


REVIEW_ACTIONS = [
    Action.APPROVED,
    Action.REJECTED,
    Action.APPROVED_CHANGES,
    Action.REJECTED_CHANGES,
]


def _standing_rejection(group: Group, revision: GroupRevision | None) -> Decision | None:
    """The moderators' last decision, if it was "not approved" and the organiser still
    has it to put right: a turned-down group while it is rejected or being redrafted;
    turned-down changes while no newer ones are proposed and the listing can be edited.
    An approval, a resubmission or closing the group (even if it is reopened) makes it
    history."""
    latest = group.decisions.filter(action__in=REVIEW_ACTIONS).order_by("-created_at", "-id")
    decision = latest.first()
    if decision is None:
        return None
    if decision.action == Action.REJECTED and group.status in (Status.REJECTED, Status.DRAFT):
        closed_since = group.history.filter(
            history_date__gt=decision.created_at, status=Status.ARCHIVED
        ).exists()
        return None if closed_since else decision
    if (
        decision.action == Action.REJECTED_CHANGES
        and revision is None
        and services.can_reconfirm(group)
    ):
        return decision
    return None


@require_safe
@organiser_required
def my_groups(request: SignedInRequest) -> HttpResponse:
    groups = (
        Group.objects.filter(owners__user=request.user)
        .exclude(archived_reason=ArchivedReason.DELETED)
        .select_related("group_type")
        .prefetch_related(
            Prefetch("revisions", GroupRevision.objects.open(), to_attr="open_revisions")
        )
        .order_by("name", "id")
    )
    return render(request, "organisers/my_groups.html", {"groups": groups})


@require_safe
@organiser_required
def group_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    revision = group.revisions.open().first()
    rejection = _standing_rejection(group, revision)
    return render(
        request,
        "organisers/group_detail.html",
        {
            "group": group,
            "revision": revision,
            "changes": [
                d
                for d in differences(Proposal.from_group(group), Proposal.from_json(revision.data))
                if d.changed
            ]
            if revision
            else [],
            "rejection": rejection,
            "sent": _sent(group, revision),
            "today": london_today(),
            "can_reconfirm": services.can_reconfirm(group),
            "can_reopen": services.can_reopen(group),
            "can_delete": services.can_delete(group),
            "organisers": group.owners.select_related("user").order_by("added_at"),
            "invitations": team.open_invitations(group),
            "questions": reports.open_questions(group),
            "takedown": reports.standing_takedown(group),
            "answer_form": AnswerForm(),
        },
    )


def _action(request: SignedInRequest) -> str:
    return request.POST.get("action", "draft")


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text or 0)
    except ValueError:
        return None


def _starting_point(group: Group | None) -> tuple[Proposal | None, Decision | None]:
    """What the form starts from: the open revision; else changes a moderator turned
    down, which reopen with the reason (they are never lost); else the group."""
    if group is None:
        return None, None
    revision = group.revisions.open().first()
    if revision is not None:
        return Proposal.from_json(revision.data), None
    rejection = _standing_rejection(group, None)
    if rejection is not None and rejection.revision is not None:
        return Proposal.from_json(rejection.revision.data), rejection
    return Proposal.from_group(group), rejection


def _group_form_page(request: SignedInRequest, group: Group | None) -> HttpResponse:
    """The create and edit form: the group's fields and its meetings on one page.
    "Add another meeting" re-shows the page with one more meeting, without saving.
    "Continue" saves the listing as a draft and goes on to check it before it is sent."""
    revision = group.revisions.open().first() if group is not None else None
    start, rejection = _starting_point(group)
    instance = Group.objects.get(pk=group.pk) if group is not None else Group()
    initial = {}
    if start is not None:
        initial = {
            **{k: v for k, v in start.values.items() if k not in ("latitude", "longitude")},
            "conditions": start.conditions,
            "audiences": start.audiences,
        }
        if start.values.get("venue_hidden") is not None:
            initial["venue_hidden"] = str(start.values["venue_hidden"]).lower()
    meetings_initial = meeting_initial(start.meetings) if start else []
    action = _action(request) if request.method == "POST" else ""
    show_errors = request.method == "POST" and action != "add_meeting"

    if request.method == "POST":
        data = request.POST.copy()
        if action == "add_meeting":
            total = _int_or_none(data.get("meetings-TOTAL_FORMS"))
            if total is not None and 0 <= total < 20:
                data["meetings-TOTAL_FORMS"] = str(total + 1)
                # The new meeting is a bound form: give it the default an unbound one shows.
                data.setdefault(f"meetings-{total}-recurrence", Recurrence.WEEKLY)
        submitting = action in ("check", "submit")
        form = GroupForm(data, instance=instance, initial=initial, submitting=submitting)
        formset = MeetingFormSet(data, prefix="meetings", initial=meetings_initial)
        if action in SAVING_ACTIONS and form.is_valid() and formset.is_valid():
            saved = _save(request, group, form, formset, submit=action == "submit")
            if saved is not None:
                if action == "check":
                    return redirect("organisers:group_check", pk=saved.pk)
                draft = saved.revisions.open().first()
                messages.success(request, _saved_message(saved, draft, action == "submit"))
                return redirect("organisers:group", pk=saved.pk)
    else:
        form = GroupForm(instance=instance, initial=initial)
        formset = MeetingFormSet(prefix="meetings", initial=meetings_initial)
        if group is None:
            formset.extra = 1  # a blank meeting to fill in; left blank, it is ignored

    return render(
        request,
        "organisers/group_form.html",
        {
            "group": group,
            "revision": revision,
            "rejection": rejection,
            "form": form,
            "formset": formset,
            "show_errors": show_errors,
            "has_errors": show_errors and (bool(form.errors) or not formset.is_valid()),
            "reviewed": group is not None and group.status in services.REVIEWED_STATUSES,
        },
    )


# "check" (the form's Continue) saves a draft and shows it to check before it is sent;
# "submit" saves and sends it at once.
SAVING_ACTIONS = ("draft", "check", "submit")


def _save(
    request: SignedInRequest,
    group: Group | None,
    form: GroupForm,
    formset: BaseMeetingFormSet,
    *,
    submit: bool,
) -> Group | None:
    """Saves the form (of the group, or as changes to a listed group); None, with the
    errors on the form, if the save refuses it."""
    proposal = form.proposal([f.spec() for f in formset.kept_forms()])
    try:
        if group is None:
            return services.create_group(user=request.user, proposal=proposal, submit=submit)
        services.update_group(group=group, user=request.user, proposal=proposal, submit=submit)
        return group
    except ValidationError as exc:
        _show_service_errors(exc, form, formset)
        return None


def _show_service_errors(exc: ValidationError, form: GroupForm, formset) -> None:
    kept = formset.kept_forms()
    for key, errors in exc.message_dict.items():
        if key.startswith("meetings["):
            index, _, name = key[len("meetings[") :].partition("].")
            target = kept[int(index)]
            for error in errors:
                target.add_error(name if name in target.fields else None, error)
        else:
            for error in errors:
                form.add_error(key if key in form.fields else None, error)


def _saved_message(group: Group, revision: GroupRevision | None, submitted: bool) -> str:
    if revision is not None:
        if submitted:
            return (
                "Your changes are waiting for review. The directory shows the listing as it "
                "was until a moderator approves them."
            )
        return "Your changes are saved as a draft. Submit them for review when they are ready."
    if submitted:
        return (
            "Your group is waiting for review. We will email you when a moderator has checked it."
        )
    return "Your group is saved as a draft. Nobody else can see it until you submit it for review."


@organiser_required
def group_new(request: SignedInRequest) -> HttpResponse:
    return _group_form_page(request, None)


@organiser_required
def group_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    if group.status == Status.ARCHIVED and not services.can_reconfirm(group):
        raise Http404("A closed group cannot be changed")
    if services.under_review(group):
        # What a moderator approves must be what they saw: no changes in place.
        status = 409 if request.method == "POST" else 200
        return render(request, "organisers/withdraw_first.html", {"group": group}, status=status)
    return _group_form_page(request, group)


@require_POST
@organiser_required
def submission_withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    if attempt(
        request,
        lambda: services.withdraw_submission(group=group, user=request.user),
        "It is withdrawn from review and back to a draft: change it, then send it again.",
    ):
        return redirect("organisers:group_edit", pk=group.pk)
    return redirect("organisers:group", pk=group.pk)


@require_POST
@organiser_required
def group_submit(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    revision = group.revisions.open().first()
    draft = revision if revision is not None and revision.status == RevisionStatus.DRAFT else None
    if services.submit_problems(group=group, revision=draft):
        messages.error(request, "Put these right before you send the listing for review.")
        return redirect("organisers:group_check", pk=group.pk)
    attempt(
        request,
        lambda: (
            services.submit_revision(revision=draft)
            if draft is not None
            else services.submit_group(group=group, user=request.user)
        ),
        _saved_message(group, draft, True),
    )
    return redirect("organisers:group", pk=group.pk)


@require_safe
@organiser_required
def group_check(request: SignedInRequest, pk: int) -> HttpResponse:
    """Check your answers: the whole listing as it will go to the moderators, with what
    stops it going, before the organiser sends it."""
    group = _get_group_for_organiser(request, pk)
    revision = group.revisions.open().first()
    if revision is not None and revision.status != RevisionStatus.DRAFT:
        return redirect("organisers:group", pk=group.pk)
    if revision is None and group.status not in (Status.DRAFT, Status.REJECTED):
        return redirect("organisers:group", pk=group.pk)
    proposal = Proposal.from_json(revision.data) if revision else Proposal.from_group(group)
    listed = Proposal.from_group(group) if revision else None
    problems = services.submit_problems(group=group, revision=revision)
    return render(
        request,
        "organisers/group_check.html",
        {
            "group": group,
            "revision": revision,
            "rows": differences(listed, proposal),
            "problems": [
                (LABELS.get(_field_of(key), "Meetings"), m)
                for key, ms in problems.items()
                for m in ms
            ],
            "undated": [m for m in proposal.meetings if not m.meeting().can_be_dated],
        },
    )


def _field_of(key: str) -> str:
    return key.split("[", 1)[0].split(".", 1)[0]


def _sent(group: Group, revision: GroupRevision | None) -> list:
    """What the organiser sent for review, while it waits: the whole listing."""
    if revision is not None and revision.status == RevisionStatus.PENDING:
        return differences(None, Proposal.from_json(revision.data))
    if group.status == Status.PENDING:
        return differences(None, Proposal.from_group(group))
    return []


@organiser_required
def group_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    if not services.can_delete(group):
        raise Http404("Only a draft that was never listed can be deleted")
    if request.method == "POST":
        services.delete_draft(group=group, user=request.user)
        messages.success(request, f"The draft “{group.name}” is deleted.")
        return redirect("organisers:my_groups")
    return render(request, "organisers/group_delete.html", {"group": group})


@organiser_required
def group_pause(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    if group.status == Status.ARCHIVED:
        raise Http404("A closed group cannot be paused")
    form = PauseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        until = form.cleaned_data["until"]
        services.pause_group(group=group, user=request.user, until=until)
        back = f" It comes back by itself on {until:%-d %B %Y}." if until else ""
        messages.success(request, "The group is marked as paused." + back)
        return redirect("organisers:group", pk=group.pk)
    return render(request, "organisers/group_pause.html", {"group": group, "form": form})


@require_POST
@organiser_required
def group_resume(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    services.resume_group(group=group, user=request.user)
    messages.success(request, "The group is meeting again.")
    return redirect("organisers:group", pk=group.pk)


@require_POST
@organiser_required
def revision_withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    revision = group.revisions.open().first()
    if revision is not None:
        services.withdraw_revision(revision=revision)
        messages.success(request, "Your changes are withdrawn. The listing stays as it is.")
    return redirect("organisers:group", pk=group.pk)


@require_POST
@organiser_required
def group_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    attempt(
        request,
        lambda: services.reconfirm_group(group=group, user=request.user),
        "Thank you: the listing is confirmed as of today.",
    )
    return redirect("organisers:group", pk=group.pk)


@organiser_required
def group_close(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    if group.status == Status.ARCHIVED:
        raise Http404("Already closed")
    form = CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.close_group(group=group, user=request.user)
        messages.success(request, "The group is closed and no longer listed. Its history is kept.")
        return redirect("organisers:group", pk=group.pk)
    return render(request, "organisers/group_close.html", {"group": group, "form": form})


@require_POST
@organiser_required
def group_reopen(request: SignedInRequest, pk: int) -> HttpResponse:
    group = _get_group_for_organiser(request, pk)
    attempt(
        request,
        lambda: services.reopen_group(group=group, user=request.user),
        "The group is reopened as a draft. Check its details and meetings, then submit "
        "it for review: a moderator checks it before it is listed again.",
    )
    return redirect("organisers:group", pk=group.pk)


@organiser_required
def invitation(request: SignedInRequest, token: str) -> HttpResponse:
    found = team.find_invitation(token)
    if found is None or not found.is_usable:
        return render(request, "organisers/invitation.html", {"invitation": None}, status=404)
    if not team.user_has_verified_email(request.user, found.email):
        return render(
            request,
            "organisers/invitation.html",
            {"invitation": found, "wrong_user": True},
            status=403,
        )
    if request.method == "POST":
        team.accept_invitation(invitation=found, user=request.user)
        messages.success(request, f"You are now an organiser of {found.group.name}.")
        return redirect("organisers:group", pk=found.group.pk)
    return render(request, "organisers/invitation.html", {"invitation": found})
