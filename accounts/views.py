from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .forms import DeleteAccountForm
from .middleware import has_totp
from .services import delete_account


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/overview.html",
        {
            "emails": EmailAddress.objects.filter(user=request.user),
            "has_totp": has_totp(request.user),
        },
    )


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        delete_account(request.user)
        logout(request)
        messages.success(
            request,
            "Your account is deleted. The groups you listed stay in the directory, looked "
            "after by our moderators.",
        )
        return redirect("groups:search")
    return render(request, "accounts/delete.html", {"form": form})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@require_safe
def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """The admin signs in through the same pages as everyone, with two-factor checks."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
