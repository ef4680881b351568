from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from allauth.mfa.totp import views as totp_views
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from moderation.ratelimit import allow

from . import enrolment
from .forms import DeleteAccountForm, UnlockRequestForm
from .middleware import has_totp
from .services import delete_account, kept_for_the_audit_log, send_signin_unlock
from .throttle import UNLOCK_SESSION_KEY, UnlockLink, account_key


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/overview.html",
        {
            "emails": EmailAddress.objects.filter(user=request.user),
            "has_totp": has_totp(request.user),
            "kept": kept_for_the_audit_log(request.user),
        },
    )


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    """Deletes an organiser's account; deactivates a staff account (never deleted)."""
    kept = kept_for_the_audit_log(request.user)
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None, user=request.user, kept=kept
    )
    if request.method == "POST" and form.is_valid():
        delete_account(request.user)
        logout(request)
        messages.success(request, DEACTIVATED if kept else DELETED)
        return redirect("groups:search")
    return render(request, "accounts/delete.html", {"form": form, "kept": kept})


DELETED = (
    "Your account is deleted. The groups you listed stay in the directory, looked after by "
    "our moderators."
)
DEACTIVATED = (
    "Your account is deactivated: nobody can sign in to it. Staff accounts are never "
    "deleted, so that the admin's record of changes keeps who made them."
)


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@require_safe
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Everyone's notice: clinicians, patients, reporters, people named in listings."""
    return render(request, "accounts/privacy_notice.html")


@require_safe
def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """The admin signs in through the same pages as everyone, with two-factor checks."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


@require_http_methods(["GET", "HEAD", "POST"])
def unlock_request(request: HttpRequest) -> HttpResponse:
    """Asks for a link that lets an account's owner sign in without waiting. What it
    answers never says whether the address has an account."""
    form = UnlockRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        # Not a way to flood a mailbox: a few a client, and per address from each client
        # (so that no one else can use up the owner's).
        if allow(request, "signin-unlock", limit=10, seconds=3600) and allow(
            request, f"signin-unlock:{account_key(email)}", limit=3, seconds=3600
        ):
            send_signin_unlock(email)
        return render(request, "accounts/unlock_sent.html", {"email": email})
    return render(request, "accounts/unlock_request.html", {"form": form})


@require_safe
def unlock(request: HttpRequest) -> HttpResponse:
    """The emailed link: this browser may sign in to the account without waiting. The
    token travels in the query string, which no log records."""
    token = request.GET.get("token", "")
    if UnlockLink.login_of(token) is None:
        return render(request, "accounts/unlock_expired.html", status=400)
    request.session[UNLOCK_SESSION_KEY] = token
    messages.info(request, "You can sign in now without waiting. The link works for 30 minutes.")
    return redirect("account_login")


@require_safe
@login_required
def staff_enrolment(request: HttpRequest) -> HttpResponse:
    """The link emailed to a staff member: this browser may now set up two-factor."""
    if not enrolment.open_link(request, request.GET.get("token", "")):
        return render(request, "accounts/staff_enrolment_expired.html", status=400)
    return redirect("mfa_activate_totp")


def activate_totp(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Allauth's page to set up an authenticator app, which staff reach only through
    their emailed link (accounts/enrolment.py)."""
    if request.user.is_authenticated and not enrolment.may_set_up(request):
        return render(request, "accounts/staff_enrolment_needed.html", status=403)
    return totp_views.activate_totp(request, *args, **kwargs)
