"""Staff moderation pages (not the admin), and the public "report a problem" form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_POST, require_safe

from directory.feedback import attempt
from directory.http import SignedInRequest
from evidence.models import EvidenceReport
from groups.models import Group, Status
from organisers.models import Claim, ClaimStatus, GroupRevision, RevisionStatus
from organisers.proposals import Proposal, differences

from . import reports, services
from .digest import alert_danger
from .forms import (
    AskOrganisersForm,
    DecisionForm,
    ReportForm,
    ResolveReportForm,
    RestoreForm,
    form_timestamp,
)
from .history import proposal_at, versions
from .models import INTERNAL_PROBLEMS, Action, Decision, Problem, Report, ReportStatus
from .ratelimit import allow
from .reports import DEFAULT_DAYS_TO_CHECK
from .review import Review

REPORTS_PER_HOUR = 5
MODERATE = "moderation.approve_listings"


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff with the moderation permission only (two-factor is enforced for
    staff by middleware); anyone else gets the 404 page, which says nothing about what is
    here."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_staff and request.user.has_perm(MODERATE)):
            raise Http404("Not a page for you")
        return view(request, *args, **kwargs)

    return wrapped


@require_safe
@staff_required
def queue(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "moderation/queue.html",
        {
            "new_groups": Group.objects.filter(status=Status.PENDING)
            .select_related("group_type")
            .order_by("updated_at", "id"),
            "revisions": GroupRevision.objects.pending()
            .select_related("group", "author")
            .order_by("submitted_at", "id"),
            "reports": Report.objects.open()
            .exclude(problem__in=INTERNAL_PROBLEMS)
            .select_related("group"),
            "needs_checking": Report.objects.open()
            .filter(problem__in=INTERNAL_PROBLEMS)
            .select_related("group"),
            "claims": Claim.objects.filter(status=ClaimStatus.PENDING).select_related(
                "group", "user"
            ),
            "takedown_replies": Decision.objects.filter(
                action=Action.ARCHIVED, replied_at__isnull=False, reply_read_at__isnull=True
            ).select_related("group", "replied_by"),
            # Reports about the evidence library (the evidence app's own model).
            "evidence_reports": EvidenceReport.objects.open().select_related("record"),
        },
    )


@staff_required
def review_group(request: SignedInRequest, pk: int) -> HttpResponse:
    """A new listing: every field, against nothing published."""
    group = get_object_or_404(
        Group.objects.select_related("group_type"), pk=pk, status=Status.PENDING
    )
    return _review(request, Review.of_group(group))


@staff_required
def review_revision(request: SignedInRequest, pk: int) -> HttpResponse:
    """Changes to a listed group: each field, published version against proposed."""
    revision = get_object_or_404(
        GroupRevision.objects.select_related("group", "author"),
        pk=pk,
        status=RevisionStatus.PENDING,
    )
    return _review(request, Review.of_revision(revision))


def _review(request: SignedInRequest, review: Review) -> HttpResponse:
    rejecting = request.POST.get("action") == "reject"
    form = DecisionForm(request.POST if request.method == "POST" else None, rejecting=rejecting)
    if request.method == "POST" and form.is_valid():
        try:
            message = _decide(request, review, form, rejecting)
        except ValidationError as exc:
            form.add_error(None, problems(exc))
        else:
            messages.success(request, message)
            return redirect("moderation:queue")
    return render(request, "moderation/review.html", {**review.context(request.user), "form": form})


def _decide(request: SignedInRequest, review: Review, form: DecisionForm, rejecting: bool) -> str:
    """Carries out the decision; returns what to tell the moderator."""
    group, revision, seen = review.group, review.revision, request.POST.get("version", "")
    if rejecting and revision is not None:
        reason = form.cleaned_data["reason"]
        services.reject_revision(revision=revision, moderator=request.user, reason=reason)
        return "The changes are not approved. We have emailed the organisers the reason."
    if rejecting:
        services.reject_group(
            group=group, moderator=request.user, reason=form.cleaned_data["reason"]
        )
        return f"{group.name} is not approved. We have emailed the organisers the reason."
    if revision is not None:
        services.approve_revision(revision=revision, moderator=request.user, seen=seen)
        return f"The changes to {group.name} are approved and now listed."
    services.approve_group(group=group, moderator=request.user, seen=seen)
    return f"{group.name} is approved and now listed."


@staff_required
def report_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """A report: the group's organisers, asking them to check by a date, and closing it
    (with a takedown only once they were asked, unless it reports danger)."""
    report = get_object_or_404(Report.objects.select_related("group"), pk=pk)
    action = request.POST.get("action", "resolve") if request.method == "POST" else ""
    ask = AskOrganisersForm(
        request.POST if action == "ask" else None,
        prefix="ask",
        initial={"answer_by": timezone.localdate() + dt.timedelta(days=DEFAULT_DAYS_TO_CHECK)},
    )
    form = ResolveReportForm(request.POST if action == "resolve" else None)
    is_open = report.status == ReportStatus.OPEN
    if is_open and action == "ask" and ask.is_valid():
        asked = ask.cleaned_data
        if attempt(
            request,
            lambda: reports.ask_organisers(
                report=report, moderator=request.user, by=asked["answer_by"], note=asked["note"]
            ),
            "We have emailed the organisers to check the listing.",
            form=ask,
        ):
            return redirect("moderation:report", pk=report.pk)
    if is_open and action == "resolve" and form.is_valid():
        chosen = form.cleaned_data
        if attempt(
            request,
            lambda: reports.resolve_report(
                report=report,
                moderator=request.user,
                note=chosen["note"],
                archive=chosen["archive"],
                still_meets=chosen["still_meets"],
            ),
            "The report is dealt with.",
            form=form,
            field="archive",
        ):
            return redirect("moderation:queue")
    context = {
        "report": report,
        "group": report.group,
        "form": form,
        "ask": ask,
        "organisers": report.group.owners.select_related("user").order_by("added_at"),
        "takedown_refusal": reports.takedown_refusal(report),
    }
    return render(request, "moderation/report.html", context)


@require_POST
@staff_required
def takedown_reply_read(request: SignedInRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk, action=Action.ARCHIVED)
    decision.reply_read_at = timezone.now()
    decision.save(update_fields=["reply_read_at"])
    messages.success(request, "The reply is marked as read.")
    return redirect("moderation:queue")


@require_safe
@staff_required
def group_history(request: SignedInRequest, pk: int) -> HttpResponse:
    """Every version of a group, newest first, with what changed; any can be restored."""
    group = get_object_or_404(Group, pk=pk)
    return render(
        request,
        "moderation/history.html",
        {
            "group": group,
            "versions": versions(group),
            "decisions": group.decisions.select_related("actor"),
        },
    )


@staff_required
def restore_version(request: SignedInRequest, pk: int, history_id: int) -> HttpResponse:
    """What restoring a version would change, and why (the reason is emailed to the
    organisers with the changes)."""
    group = get_object_or_404(Group, pk=pk)
    record = get_object_or_404(group.history, history_id=history_id)
    form = RestoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.restore_version(
                group=group,
                history_id=history_id,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, problems(exc))
        else:
            messages.success(
                request,
                "The earlier version is restored, as a new version. We have emailed the "
                "organisers what changed and why.",
            )
            return redirect("moderation:group_history", pk=group.pk)
    changes = [
        d for d in differences(Proposal.from_group(group), proposal_at(record, group)) if d.changed
    ]
    return render(
        request,
        "moderation/restore.html",
        {"group": group, "record": record, "changes": changes, "form": form},
    )


def report_group(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone, signed in or not, can say a listing is wrong. Rate-limited per client
    (by a hash of its address, never stored) and guarded against spam by a hidden field
    and a minimum time to fill the form in."""
    group = get_object_or_404(Group.objects.published(), slug=slug)
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_spam():
            return render(request, "moderation/report_thanks.html", {"group": group})
        if not allow(request, "report", limit=REPORTS_PER_HOUR, seconds=3600):
            return render(request, "moderation/report_limited.html", {"group": group}, status=429)
        if form.is_valid():
            report = Report.objects.create(
                group=group,
                problem=form.cleaned_data["problem"],
                details=form.cleaned_data["details"],
            )
            if report.problem == Problem.DANGER:
                alert_danger(report)
            reports.tell_organisers_of_report(report)
            return render(request, "moderation/report_thanks.html", {"group": group})
        data = request.POST.copy()
        data["shown_at"] = form_timestamp()
        form.data = data
    else:
        form = ReportForm(initial={"shown_at": form_timestamp()})
    return render(request, "moderation/report_form.html", {"group": group, "form": form})


def problems(exc: ValidationError) -> list[str]:
    """A group's validation errors as the review form's own: "Summary: Use a single line
    of text…". The organiser's data can have become invalid since they sent it (a rule
    added later); the moderator reads what is wrong and can turn it down with that reason."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    found = []
    for name, errors in exc.message_dict.items():
        try:
            label = capfirst(str(getattr(Group._meta.get_field(name), "verbose_name", name)))
        except FieldDoesNotExist:
            label = "" if name == NON_FIELD_ERRORS else name.replace("_", " ").capitalize()
        found += [f"{label}: {error}" if label else error for error in errors]
    return found
