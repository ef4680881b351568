"""Who may open each page: one map from URL name to what it needs, enforced for every
request by AccessMiddleware before any view runs; and the public reading endpoints'
per-client rate limits (RATE_LIMITED), enforced by the same middleware.

A new URL must be added to ACCESS (or fall under a rule in NAMESPACES); until it is, it
answers 404 (and raises an error while DEBUG is on), and tests/test_access.py, which
walks the whole URL configuration, fails naming the line to add.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from allauth.account.decorators import verified_email_required
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import ResolverMatch, resolve
from django.views import defaults

from accounts.middleware import has_totp, two_factor_setup
from moderation.digest import PERMISSION as MODERATION_PERMISSION
from moderation.ratelimit import allow

logger = logging.getLogger("directory.access")

# The moderators' permission: approving puts text in front of clinicians.
APPROVE = MODERATION_PERMISSION


@dataclass(frozen=True)
class Need:
    who: Literal["public", "signed_in", "organiser", "staff"]
    perms: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.who == "staff":
            return f"staff({', '.join(repr(p) for p in self.perms)})"
        return self.who.upper()


PUBLIC = Need("public")
# Any account, confirmed or not: its own settings, and deleting it.
SIGNED_IN = Need("signed_in")
# Signed in with a confirmed email address (allauth's check: it resends the link).
ORGANISER = Need("organiser")


def staff(*perms: str) -> Need:
    """Staff with two-factor authentication and every one of perms."""
    return Need("staff", tuple(perms))


ACCESS: dict[str, Need] = {
    # Clinicians and the public.
    "groups:search": PUBLIC,
    "groups:detail": PUBLIC,
    "groups:about": PUBLIC,
    "groups:healthz": PUBLIC,
    "groups:favicon": PUBLIC,
    "groups:api-group-list": PUBLIC,
    "groups:api-group-detail": PUBLIC,
    "groups:api-schema": PUBLIC,
    "groups:api-docs": PUBLIC,
    "groups:api-not-found": PUBLIC,
    "moderation:report_group": PUBLIC,
    "accounts:privacy": PUBLIC,
    "accounts:privacy_organisers": PUBLIC,
    "evidence:library": PUBLIC,
    "evidence:gap-map": PUBLIC,
    "evidence:detail": PUBLIC,
    "evidence:how-we-rate": PUBLIC,
    "evidence:report": PUBLIC,
    "referrals:shortlist": PUBLIC,
    "referrals:shortlist_add": PUBLIC,
    "referrals:shortlist_remove": PUBLIC,
    "referrals:shortlist_clear": PUBLIC,
    "referrals:sheet": PUBLIC,
    "referrals:text": PUBLIC,
    "referrals:group_sheet": PUBLIC,
    "referrals:group_text": PUBLIC,
    "referrals:calendar": PUBLIC,
    "referrals:patient": PUBLIC,
    "exchange:hsds_root": PUBLIC,
    "exchange:hsds_services": PUBLIC,
    "exchange:hsds_service": PUBLIC,
    "exchange:hsds_service_slash": PUBLIC,
    "exchange:hsds_organizations": PUBLIC,
    "exchange:hsds_organization": PUBLIC,
    "exchange:hsds_organization_slash": PUBLIC,
    "exchange:hsds_taxonomies": PUBLIC,
    "exchange:hsds_taxonomy": PUBLIC,
    "exchange:hsds_taxonomy_slash": PUBLIC,
    "exchange:hsds_terms": PUBLIC,
    "exchange:hsds_term": PUBLIC,
    "exchange:hsds_term_slash": PUBLIC,
    "exchange:hsds_service_at_locations": PUBLIC,
    "exchange:hsds_service_at_location": PUBLIC,
    "exchange:hsds_service_at_location_slash": PUBLIC,
    "exchange:meeting_guide": PUBLIC,
    "exchange:search_export": PUBLIC,
    # Staff: the CSV of everything (drafts included) and the import.
    "exchange:staff_export": staff("groups.view_group"),
    "exchange:staff_import": staff("groups.add_group", "groups.change_group"),
    "exchange:staff_import_confirm": staff("groups.add_group", "groups.change_group"),
    "exchange:staff_import_preview": staff("groups.add_group", "groups.change_group"),
    # Moderators.
    "moderation:queue": staff(APPROVE),
    "moderation:review_group": staff(APPROVE),
    "moderation:group_history": staff(APPROVE),
    "moderation:restore_version": staff(APPROVE),
    "moderation:review_revision": staff(APPROVE),
    "moderation:report": staff(APPROVE),
    "moderation:claim": staff(APPROVE),
    "moderation:group_organisers": staff(APPROVE),
    "moderation:invitation_resend": staff(APPROVE),
    "moderation:invitation_cancel": staff(APPROVE),
    "moderation:takedown_reply_read": staff(APPROVE),
    "evidence:report-detail": staff(APPROVE),
    # Meeting lists: approving a source's first import publishes it.
    "feeds:sources": staff(APPROVE),
    "feeds:first_import": staff(APPROVE),
    "feeds:review_change": staff(APPROVE),
    "feeds:merge": staff(APPROVE),
    # Organisers.
    "organisers:my_groups": ORGANISER,
    "organisers:group_new": ORGANISER,
    "organisers:group": ORGANISER,
    "organisers:group_edit": ORGANISER,
    "organisers:group_submit": ORGANISER,
    "organisers:group_check": ORGANISER,
    "organisers:group_delete": ORGANISER,
    "organisers:group_pause": ORGANISER,
    "organisers:group_resume": ORGANISER,
    "organisers:revision_withdraw": ORGANISER,
    "organisers:group_confirm": ORGANISER,
    "organisers:group_close": ORGANISER,
    "organisers:group_reopen": ORGANISER,
    "organisers:group_invite": ORGANISER,
    "organisers:invitation": ORGANISER,
    "organisers:invitation_resend": ORGANISER,
    "organisers:invitation_cancel": ORGANISER,
    "organisers:organiser_remove": ORGANISER,
    "organisers:group_leave": ORGANISER,
    "organisers:submission_withdraw": ORGANISER,
    "organisers:claim": ORGANISER,
    "organisers:edit_from_email": ORGANISER,
    "organisers:report_answer": ORGANISER,
    "organisers:takedown_reply": ORGANISER,
    # Answered from an emailed link whose signed token is the proof, without signing in.
    "organisers:still_meeting": PUBLIC,
    "organisers:claim_answer": PUBLIC,
    "feeds:organiser_change": ORGANISER,
    # Accounts: ours, then allauth's (signing in, and the two-factor step of it, is public).
    "accounts:overview": SIGNED_IN,
    "accounts:delete": SIGNED_IN,
    # The emailed link that lets an owner sign in without waiting, and asking for it.
    "accounts:unlock_request": PUBLIC,
    "accounts:unlock": PUBLIC,
    # Opened signed in as the account the set-up link was emailed to.
    "accounts:staff_enrolment": SIGNED_IN,
    "accounts:admin_login": PUBLIC,
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_inactive": PUBLIC,
    "account_signup": PUBLIC,
    "account_reauthenticate": SIGNED_IN,
    "account_request_reauthentication_code": SIGNED_IN,
    "account_confirm_reauthentication_code": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": PUBLIC,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    "accounts:mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": SIGNED_IN,
    "mfa_view_recovery_codes": SIGNED_IN,
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": SIGNED_IN,
}


# The public reading endpoints' per-client rate limits, by bucket (the numbers are
# settings.PUBLIC_RATE_LIMITS): the JSON API and the HSDS API share one, the CSV
# download of a search (every page of results) has its own.
RATE_LIMITED: dict[str, str] = {
    **dict.fromkeys(
        ["groups:api-group-list", "groups:api-group-detail", "exchange:meeting_guide"], "api"
    ),
    **{name: "api" for name in ACCESS if name.startswith("exchange:hsds_")},
    "exchange:search_export": "export",
}

# Every URL in these namespaces, unless ACCESS names it.
NAMESPACES: dict[str, Need] = {
    # The admin then checks each model's view, add and change permissions itself.
    "admin": staff(),
}


def need_for(match: ResolverMatch) -> Need | None:
    if match.url_name and match.view_name in ACCESS:
        return ACCESS[match.view_name]
    return NAMESPACES.get(match.namespaces[0]) if match.namespaces else None


def missing_message(match: ResolverMatch) -> str:
    if not match.url_name:
        return (
            f"The URL pattern {match.route!r} has no name: give it name=... in its urls.py, "
            "then add that name to ACCESS in directory/access.py."
        )
    return (
        f"The URL {match.view_name!r} ({match.route!r}) is not in the access map. Add it to "
        f'ACCESS in directory/access.py, e.g. "{match.view_name}": PUBLIC, (or SIGNED_IN, '
        'ORGANISER, staff("app.permission")).'
    )


def _refused(response: HttpResponse, reason: str) -> HttpResponse:
    # Lets tests tell the gate's answer from the view's own (a 404 for a missing object).
    response.access_refused = reason  # type: ignore[attr-defined]
    return response


def _passes(request: HttpRequest) -> None:
    return None


_organiser_check: Callable[[HttpRequest], HttpResponse | None] = verified_email_required(_passes)


def refusal(request: HttpRequest, need: Need) -> HttpResponse | None:
    """The answer for a request that does not meet need, or None if it does."""
    if need.who == "public":
        return None
    user = request.user
    if not user.is_authenticated:
        return _refused(redirect_to_login(request.get_full_path()), "sign_in")
    if need.who == "organiser":
        response = _organiser_check(request)
        return None if response is None else _refused(response, "unconfirmed")
    if need.who == "signed_in":
        return None
    if not user.is_staff:
        # Says nothing about what is here.
        return _refused(defaults.page_not_found(request, Http404()), "not_staff")
    if not has_totp(user):
        return _refused(two_factor_setup(request), "two_factor")
    if not user.has_perms(need.perms):
        return _refused(defaults.permission_denied(request, PermissionDenied()), "permission")
    return None


def too_many_requests(request: HttpRequest, requests: int, seconds: int) -> HttpResponse:
    message = (
        f"Too many requests from your address: at most {requests} every {seconds} "
        f"seconds. Try again in {seconds} seconds."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"errors": {"rate": [message]}}, status=429)
    else:
        response = HttpResponse(message + "\n", status=429, content_type="text/plain")
    # The window began at the client's first request in it: this is the longest wait.
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def over_limit(request: HttpRequest, match: ResolverMatch) -> HttpResponse | None:
    """A 429 once this client has used its bucket's requests in the window (the counter
    is keyed by a keyed hash of its address: moderation.ratelimit)."""
    bucket = RATE_LIMITED.get(match.view_name)
    if bucket is None:
        return None
    requests, seconds = settings.PUBLIC_RATE_LIMITS[bucket]
    if allow(request, f"read:{bucket}", limit=requests, seconds=seconds):
        return None
    return too_many_requests(request, requests, seconds)


class AccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Set by the time views are processed; resolved again only if it ever is not.
        match = request.resolver_match or resolve(request.path_info)
        need = need_for(match)
        if need is None:
            message = missing_message(match)
            if settings.DEBUG:
                raise ImproperlyConfigured(message)
            logger.error(message)
            return _refused(defaults.page_not_found(request, Http404()), "unmapped")
        return refusal(request, need) or over_limit(request, match)
