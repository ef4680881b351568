from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils.http import urlencode

from organisers.models import GroupOwner

from .email import send_templated_email
from .throttle import UNLOCK_SECONDS, UnlockLink


def kept_for_the_audit_log(user) -> bool:
    """Staff accounts, and any account the admin's log names, are deactivated, never
    deleted: deleting one would delete its entries in that log (LogEntry cascades)."""
    return user.is_staff or user.is_superuser or LogEntry.objects.filter(user=user).exists()


class StaffAccountsAreKept(ProtectedError):
    """Raised on deleting an account kept_for_the_audit_log: deactivate it instead."""


def refuse_deleting_kept_accounts(sender, instance, **kwargs) -> None:
    """A pre_delete receiver on the user model: the rule holds on every path (the admin,
    a script, the shell), not only on the account page."""
    if kept_for_the_audit_log(instance):
        raise StaffAccountsAreKept(
            "Staff accounts are deactivated, never deleted, so the admin's log keeps who "
            "did what: untick “Active” instead.",
            {instance},
        )


def deactivate(user) -> None:
    """Signing in stops for good (no password either, so only a reset brings it back)."""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])


@transaction.atomic
def delete_account(user) -> None:
    """Deletes an organiser's account and what we hold about them; a staff account (see
    kept_for_the_audit_log) is deactivated instead. Their groups stay: a group left with
    no organiser goes to the moderation queue, for moderators to look after. Histories
    and decisions keep their text but lose the link to the person."""
    _hand_over_groups(user)
    if kept_for_the_audit_log(user):
        deactivate(user)
    else:
        user.delete()


def _hand_over_groups(user) -> None:
    from moderation.models import Problem
    from organisers.team import hand_to_moderators

    for ownership in GroupOwner.objects.filter(user=user).select_related("group"):
        ownership.delete()
        hand_to_moderators(
            ownership.group,
            Problem.ORGANISER_LEFT,
            "The group's only organiser deleted their account. Moderators now look after the "
            "listing.",
        )


def send_signin_unlock(email: str) -> None:
    """Emails the address a link that lets its owner sign in without waiting (see
    throttle.UnlockLink). An address with no account is told so instead: either way one
    message is queued, and the page that asked says the same."""
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is None or not address.user.is_active:
        send_templated_email("signin_unlock_no_account", email, {})
        return
    token = UnlockLink.make(address.user, address.email)
    path = f"{reverse('accounts:unlock')}?{urlencode({'token': token})}"
    send_templated_email(
        "signin_unlock", address.email, {"unlock_path": path, "minutes": UNLOCK_SECONDS // 60}
    )
