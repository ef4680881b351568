"""Shortlists, referral sheets (printed and plain text) and calendar feeds."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from groups import views as group_views
from groups.context_processors import has_sample_groups
from groups.models import Group, Status, london_now

from .calendar import calendar_for
from .sheets import (
    MUTUAL_AID_NOTE,
    ClinicianForm,
    SheetText,
    build_entries,
    sheet_crisis_lines,
    sheet_text,
)
from .shortlist import MAX_GROUPS, Shortlist, ShortlistFull


def _published_group(pk_or_slug: str, *, by: str = "slug") -> Group:
    """A published group or 404: only published groups have public pages."""
    if by == "pk":
        if not str(pk_or_slug).isdigit():
            raise Http404("No such group")
        return get_object_or_404(Group.objects.published(), pk=int(pk_or_slug))
    return get_object_or_404(Group.objects.published().with_cards(), slug=pk_or_slug)


def _next(request: HttpRequest) -> str:
    """The page the form was on (only ever a page of this site), or the shortlist."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/"):
        target = reverse("referrals:shortlist")
    return target


def _back(request: HttpRequest, fragment: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(_next(request) + fragment)


@require_POST
def shortlist_add(request: HttpRequest) -> HttpResponseRedirect:
    group = _published_group(request.POST.get("group", ""), by="pk")
    shortlist = Shortlist(request)
    try:
        added = shortlist.add(group)
    except ShortlistFull:
        messages.warning(
            request,
            f"Your shortlist is full: it holds up to {MAX_GROUPS} groups. Remove one "
            f"before you add {group.name}.",
        )
        return _back(request)
    if added:
        messages.success(
            request, f"Added {group.name} to your shortlist ({len(shortlist)} of {MAX_GROUPS})."
        )
    else:
        messages.info(request, f"{group.name} is already on your shortlist.")
    return _back(request, f"#group-{group.pk}")


@require_POST
def shortlist_remove(request: HttpRequest) -> HttpResponseRedirect:
    group = _published_group(request.POST.get("group", ""), by="pk")
    if Shortlist(request).remove(group):
        messages.success(request, f"Removed {group.name} from your shortlist.")
    return _back(request)


@require_POST
def shortlist_clear(request: HttpRequest) -> HttpResponseRedirect:
    """The "Finished with this patient: clear everything" button: the whole session goes,
    not only the shortlist (signing out too, for someone signed in)."""
    request.session.flush()
    messages.success(
        request,
        "Everything is cleared: your shortlist is empty and this site keeps nothing from "
        "your visit. Close the browser to clear its own history too.",
    )
    return HttpResponseRedirect(reverse("groups:search"))


@require_safe
def shortlist(request: HttpRequest) -> HttpResponse:
    groups = Shortlist(request).groups()
    return render(
        request,
        "referrals/shortlist.html",
        {
            "groups": groups,
            "max_groups": MAX_GROUPS,
            "sheet_query": _sheet_query(groups),
            "today": dt.date.today(),
            "now": london_now(),
        },
    )


def _sheet_query(groups: list[Group]) -> str:
    return urlencode([("group", g.slug) for g in groups])


def _groups_from_query(request: HttpRequest) -> list[Group]:
    slugs = list(dict.fromkeys(s for s in request.GET.getlist("group") if s))[:MAX_GROUPS]
    found = {g.slug: g for g in Group.objects.published().with_cards().filter(slug__in=slugs)}
    groups = [found[s] for s in slugs if s in found]
    if not groups:
        raise Http404("No published groups named")
    return groups


def patient_url(request: HttpRequest, group: Group) -> str:
    return request.build_absolute_uri(reverse("referrals:patient", args=[group.pk]))


def _clinician_form(request: HttpRequest) -> ClinicianForm:
    # Only ever from this request's POST: never the session, a URL or a log.
    return ClinicianForm(request.POST) if request.method == "POST" else ClinicianForm()


def _private(response: HttpResponse) -> HttpResponse:
    """A sheet may carry the clinician's name and note: no cache keeps it, and it is
    never indexed."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _sheet(
    request: HttpRequest, groups: list[Group], *, sheet_url: str, text_url: str
) -> HttpResponse:
    today = dt.date.today()
    form = _clinician_form(request)
    entries = build_entries(groups, [patient_url(request, g) for g in groups], today)
    response = render(
        request,
        "referrals/sheet.html",
        {
            "entries": entries,
            "sheet_url": request.build_absolute_uri(sheet_url),
            "sheet_path": sheet_url,
            "text_url": text_url,
            "today": today,
            "single": len(groups) == 1,
            "group": groups[0] if len(groups) == 1 else None,
            "mutual_aid_note": MUTUAL_AID_NOTE,
            "crisis_lines": sheet_crisis_lines(groups),
            "crisis_groups": groups,
            "form": form,
            "clinician": form.details(),
        },
    )
    return _private(response)


def _text(request: HttpRequest, groups: list[Group]) -> HttpResponse:
    today = dt.date.today()
    form = _clinician_form(request)
    if form.is_bound and not form.is_valid():
        return _private(
            HttpResponse(
                "\n".join(str(e) for errors in form.errors.values() for e in errors) + "\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        )
    sheet = SheetText(
        entries=build_entries(groups, [patient_url(request, g) for g in groups], today),
        issued=today,
        crisis=sheet_crisis_lines(groups),
        clinician=form.details(),
        sample=has_sample_groups(),
    )
    return _private(HttpResponse(sheet_text(sheet), content_type="text/plain; charset=utf-8"))


CLINICIAN_FIELDS = ("clinician_name", "clinician_contact", "note")


@sensitive_post_parameters(*CLINICIAN_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
def group_sheet(request: HttpRequest, slug: str) -> HttpResponse:
    group = _published_group(slug)
    return _sheet(
        request,
        [group],
        sheet_url=reverse("referrals:group_sheet", args=[slug]),
        text_url=reverse("referrals:group_text", args=[slug]),
    )


@sensitive_post_parameters(*CLINICIAN_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
def sheet(request: HttpRequest) -> HttpResponse:
    groups = _groups_from_query(request)
    query = _sheet_query(groups)
    return _sheet(
        request,
        groups,
        sheet_url=f"{reverse('referrals:sheet')}?{query}",
        text_url=f"{reverse('referrals:text')}?{query}",
    )


@sensitive_post_parameters(*CLINICIAN_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
def group_text(request: HttpRequest, slug: str) -> HttpResponse:
    return _text(request, [_published_group(slug)])


@sensitive_post_parameters(*CLINICIAN_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
def text(request: HttpRequest) -> HttpResponse:
    return _text(request, _groups_from_query(request))


@require_safe
def patient(request: HttpRequest, pk: int) -> HttpResponse:
    """The page a sheet's QR code opens, for the patient: the sheet's facts about the
    group, with no evidence, no shortlist and nothing for organisers. Not for search
    engines. A group that has closed says so, with groups like it."""
    group = get_object_or_404(Group.objects.public().with_cards(), pk=pk)
    if group.status == Status.ARCHIVED:
        return group_views.closed(request, group)
    today = dt.date.today()
    entry = build_entries([group], [patient_url(request, group)], today)[0]
    response = render(
        request,
        "referrals/patient.html",
        {
            "entry": entry,
            "group": group,
            "today": today,
            "crisis_groups": [group],
            "mutual_aid_note": MUTUAL_AID_NOTE,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def calendar(request: HttpRequest, slug: str) -> HttpResponse:
    # A closed group's feed stays, its events ending when it stopped (UNTIL), so a
    # subscribed calendar stops showing them.
    group = get_object_or_404(Group.objects.public(), slug=slug)
    ical = calendar_for(group, page_url=request.build_absolute_uri(group.get_absolute_url()))
    response = HttpResponse(ical.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{group.slug}.ics"'
    return response
