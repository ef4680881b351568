"""CSV downloads (search results; the whole directory for staff) and the staff upload,
which shows a dry run with every problem before anything is imported."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import secrets
from collections.abc import Iterable, Iterator

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from directory.access import APPROVE
from groups.importing import ImportResult, import_groups
from groups.models import Group
from groups.search import run_search

from . import paging, upload_limits
from .csv_export import COLUMNS, csv_pieces

SESSION_KEY = "csv_import"
CHANGES_PER_PAGE = 100


# What anyone may download from a search: about what a page of search costs the server.
PUBLIC_EXPORT_ROWS = 500
CAPPED_NOTE = (
    f"# More than {PUBLIC_EXPORT_ROWS} groups matched: this file has the first "
    f"{PUBLIC_EXPORT_ROWS} in the search's order. Narrow the search for the rest.\r\n"
)


def _csv_response(pieces: Iterable[str], filename: str) -> StreamingHttpResponse:
    """The CSV streamed as it is written, so a large file never sits whole in memory."""
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in pieces), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The address may hold a patient's postcode: keep the file out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _first_rows(groups: Iterator[Group]) -> Iterator[str]:
    """The CSV of the first PUBLIC_EXPORT_ROWS of groups (the search's first one more),
    ending with a line that says so when the search found more."""
    yield from csv_pieces(itertools.islice(groups, PUBLIC_EXPORT_ROWS))
    if next(groups, None) is not None:
        yield CAPPED_NOTE


@require_safe
def search_export(request: HttpRequest) -> HttpResponseBase:
    """The search's results (its first PUBLIC_EXPORT_ROWS) as CSV in the import format:
    the same parameters, through the same SearchFilter, as the search page and the API."""
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
    # csv_pieces reads the tags and meetings itself, a piece of rows at a time; the
    # search's prefetch of matched meetings is for its cards.
    rows = results.only(*COLUMNS).prefetch_related(None)
    if paging.by_name_alone(filterset.criteria()):
        ids = paging.ids_by_name(rows, 0, PUBLIC_EXPORT_ROWS + 1)
        by_pk = Group.objects.only(*COLUMNS).in_bulk(ids)
        groups = iter([by_pk[pk] for pk in ids])
    else:
        groups = rows[: PUBLIC_EXPORT_ROWS + 1].in_chunks()
    return _csv_response(_first_rows(groups), "mutual-aid-groups.csv")


@require_safe
def staff_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every group, whatever its status, for staff (directory.access: groups.view_group),
    read 2,000 at a time and streamed, so memory stays flat however large the directory."""
    groups = Group.objects.only(*COLUMNS).order_by("name", "id").in_chunks()
    return _csv_response(csv_pieces(groups), f"mutual-aid-directory-{dt.date.today()}.csv")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV with a header row, in the import format (as the export writes it), "
            "up to 2 MB and 20,000 rows. Import larger files on the server with "
            "“manage.py import_groups FILE”."
        ),
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

    def clean_file(self) -> UploadedFile:
        """The file, within the upload's limits: its size before it is read, its header
        and rows before the import reads any of them."""
        upload = self.cleaned_data["file"]
        problem = upload_limits.size_problem(upload.size)
        if problem is None:
            problem = upload_limits.problem(upload.read())
            upload.seek(0)
        if problem:
            raise forms.ValidationError(problem)
        return upload


def _admin_context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "opts": Group._meta, **extra}


def _may_publish(request: HttpRequest) -> bool:
    return request.user.has_perm(APPROVE)


def _upload_page(request: HttpRequest, form: UploadForm) -> HttpResponse:
    return render(
        request,
        "exchange/import_upload.html",
        _admin_context(request, "Import groups from CSV", form=form),
    )


def _preview_page(
    request: HttpRequest,
    result: ImportResult,
    *,
    token: str,
    publish: bool,
    filename: str,
    page: int | str = 1,
) -> HttpResponse:
    """The dry run: the counts first, then the rows that change, a page at a time, each
    with the fields that change and their old and new values."""
    return render(
        request,
        "exchange/import_preview.html",
        _admin_context(
            request,
            "Check the import",
            result=result,
            token=token,
            publish=publish,
            filename=filename,
            changes=Paginator(result.changes, CHANGES_PER_PAGE).get_page(page),
        ),
    )


@require_safe
def staff_import_preview(request: HttpRequest) -> HttpResponse:
    """Another page of the dry run of the file waiting in this session."""
    token = request.GET.get("token", "")
    pending = _waiting_import(request, token, take=False)
    if pending is None:
        return HttpResponseRedirect(reverse("exchange:staff_import"))
    result = _dry_run(request, base64.b64decode(pending["data"]), pending["publish"])
    return _preview_page(
        request,
        result,
        token=token,
        publish=pending["publish"],
        filename=pending["name"],
        page=request.GET.get("page", 1),
    )


def _waiting_import(request: HttpRequest, token: str, *, take: bool) -> dict | None:
    """The file waiting in this session for this token (taken out of the session when
    take), or None with a message saying to upload it again."""
    pending = request.session.pop(SESSION_KEY, None) if take else request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(str(pending.get("token", "")), token):
        messages.error(request, "That import has expired or was replaced: upload the file again.")
        return None
    return pending


def _dry_run(request: HttpRequest, data: bytes, publish: bool) -> ImportResult:
    """What importing the file would do, writing nothing (upload_limits.TooSlow if it
    takes too long)."""
    return import_groups(
        data,
        publish=publish,
        may_publish=_may_publish(request),
        dry_run=True,
        track=upload_limits.deadline(settings.UPLOAD_SECONDS),
    )


def _keep_for_confirmation(request: HttpRequest, data: bytes, publish: bool, name: str) -> str:
    """The confirmation imports these very bytes, kept with this staff member's session;
    a file posted again is never imported without its own dry run."""
    token = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = {
        "token": token,
        "data": base64.b64encode(data).decode("ascii"),
        "sha256": hashlib.sha256(data).hexdigest(),
        "publish": publish,
        "name": name,
    }
    return token


@require_http_methods(["GET", "HEAD", "POST"])
def staff_import(request: HttpRequest) -> HttpResponse:
    """Upload, then see the dry run: every problem with its line, or what would change.
    Staff with groups.add_group and groups.change_group (directory.access); publishing at
    once, also the moderators' approve permission."""
    may_publish = _may_publish(request)
    if request.method != "POST":
        return _upload_page(request, UploadForm(may_publish=may_publish))
    form = UploadForm(request.POST, request.FILES, may_publish=may_publish)
    if not form.is_valid():
        return _upload_page(request, form)
    upload, publish = form.cleaned_data["file"], form.cleaned_data["publish"]
    data = upload.read()
    request.session.pop(SESSION_KEY, None)
    try:
        result = _dry_run(request, data, publish)
    except upload_limits.TooSlow:
        form.add_error("file", upload_limits.TOO_SLOW)
        return _upload_page(request, form)
    token = _keep_for_confirmation(request, data, publish, upload.name) if result.ok else ""
    return _preview_page(request, result, token=token, publish=publish, filename=upload.name)


def _pending_import(request: HttpRequest) -> tuple[dict, bytes] | None:
    """The import this confirmation is for, taken out of the session; None (with a
    message) if it cannot go ahead."""
    pending = _waiting_import(request, request.POST.get("token", ""), take=True)
    if pending is None:
        return None
    data = base64.b64decode(pending["data"])
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        messages.error(request, "The stored file was damaged: upload it again.")
        return None
    # The permission is asked again: it may have been taken away since the dry run.
    if pending["publish"] and not _may_publish(request):
        messages.error(request, "Publishing at once needs the moderators' approve permission.")
        return None
    return pending, data


@require_POST
def staff_import_confirm(request: HttpRequest) -> HttpResponse:
    found = _pending_import(request)
    if found is None:
        return HttpResponseRedirect(reverse("exchange:staff_import"))
    pending, data = found
    try:
        result = import_groups(
            data,
            publish=pending["publish"],
            may_publish=_may_publish(request),
            track=upload_limits.deadline(2 * settings.UPLOAD_SECONDS),
        )
    except upload_limits.TooSlow:
        messages.error(request, f"Nothing was imported. {upload_limits.TOO_SLOW}")
        return HttpResponseRedirect(reverse("exchange:staff_import"))
    if not result.ok:
        # The directory changed since the dry run; nothing was written.
        return _preview_page(
            request, result, token="", publish=pending["publish"], filename=pending["name"]
        )
    messages.success(
        request,
        f"Imported {result.created} new and {result.updated} updated group(s) "
        f"from {pending['name']}.",
    )
    return HttpResponseRedirect(reverse("admin:groups_group_changelist"))
