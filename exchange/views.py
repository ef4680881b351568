"""CSV downloads (search results; the whole directory for staff) and the staff upload,
which shows a dry run with every problem before anything is imported."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from directory.access import APPROVE
from groups.importing import import_groups
from groups.models import Group
from groups.views import run_search

from .csv_export import groups_csv

SESSION_KEY = "csv_import"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The address may hold a patient's postcode: keep the file out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def search_export(request: HttpRequest) -> HttpResponse:
    """The search's results (every page) as CSV in the import format: the same
    parameters, through the same SearchFilter, as the search page and the API."""
    filterset, results = run_search(request.GET)
    if results is None:
        lines = [
            f"{name}: {message}"
            for name, errors in filterset.form.errors.items()
            for message in errors
        ]
        return HttpResponse(
            "The search has a problem:\n" + "\n".join(lines) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return _csv_response(groups_csv(results.in_chunks()), "mutual-aid-groups.csv")


@require_safe
def staff_export(request: HttpRequest) -> HttpResponse:
    """Every group, whatever its status, for staff (directory.access: groups.view_group)."""
    groups = Group.objects.with_cards().order_by("name", "id").in_chunks()
    return _csv_response(groups_csv(groups), f"mutual-aid-directory-{dt.date.today()}.csv")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row, in the import format (as the export writes it).",
    )
    publish = forms.BooleanField(
        label="Publish every group in the file (otherwise new groups wait for review)",
        required=False,
    )

    def __init__(self, *args, may_publish: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not may_publish:
            # A posted "on" is ignored: new groups wait for review.
            field = self.fields["publish"]
            field.disabled = True
            field.help_text = "Only moderators (the approve permission) can publish at once."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        return upload


def _admin_context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "opts": Group._meta, **extra}


def _may_publish(request: HttpRequest) -> bool:
    return request.user.has_perm(APPROVE)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_import(request: HttpRequest) -> HttpResponse:
    """Upload, then see the dry run: every problem with its line, or what would change.
    Staff with groups.add_group and groups.change_group (directory.access); publishing at
    once, also the moderators' approve permission."""
    may_publish = _may_publish(request)
    if request.method != "POST":
        return render(
            request,
            "exchange/import_upload.html",
            _admin_context(
                request, "Import groups from CSV", form=UploadForm(may_publish=may_publish)
            ),
        )
    form = UploadForm(request.POST, request.FILES, may_publish=may_publish)
    if not form.is_valid():
        return render(
            request,
            "exchange/import_upload.html",
            _admin_context(request, "Import groups from CSV", form=form),
        )
    data = form.cleaned_data["file"].read()
    publish = form.cleaned_data["publish"]
    result = import_groups(data, publish=publish, may_publish=may_publish, dry_run=True)
    token = ""
    if result.ok:
        # The confirmation imports these very bytes, kept with this staff member's
        # session; a file posted again is never imported without its own dry run.
        token = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = {
            "token": token,
            "data": base64.b64encode(data).decode("ascii"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "publish": publish,
            "name": form.cleaned_data["file"].name,
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return render(
        request,
        "exchange/import_preview.html",
        _admin_context(
            request,
            "Check the import",
            result=result,
            token=token,
            publish=publish,
            filename=form.cleaned_data["file"].name,
        ),
    )


@require_POST
def staff_import_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if not pending or not secrets.compare_digest(str(pending.get("token", "")), token):
        messages.error(request, "That import has expired or was replaced: upload the file again.")
        return HttpResponseRedirect(reverse("exchange:staff_import"))
    data = base64.b64decode(pending["data"])
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, "The stored file was damaged: upload it again.")
        return HttpResponseRedirect(reverse("exchange:staff_import"))
    # The permission is asked again: it may have been taken away since the dry run.
    may_publish = _may_publish(request)
    if pending["publish"] and not may_publish:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, "Publishing at once needs the moderators' approve permission.")
        return HttpResponseRedirect(reverse("exchange:staff_import"))
    result = import_groups(data, publish=pending["publish"], may_publish=may_publish)
    request.session.pop(SESSION_KEY, None)
    if not result.ok:
        # The directory changed since the dry run; nothing was written.
        return render(
            request,
            "exchange/import_preview.html",
            _admin_context(
                request,
                "Check the import",
                result=result,
                token="",
                publish=pending["publish"],
                filename=pending["name"],
            ),
        )
    messages.success(
        request,
        f"Imported {result.created} new and {result.updated} updated group(s) "
        f"from {pending['name']}.",
    )
    return HttpResponseRedirect(reverse("admin:groups_group_changelist"))
