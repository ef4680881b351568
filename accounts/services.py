from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse
from django.utils.http import urlencode

from organisers.models import GroupOwner

from .email import send_templated_email
from .throttle import UNLOCK_SECONDS, UnlockLink


@transaction.atomic
def delete_account(user) -> None:
    """Deletes an organiser's account and what we hold about them. Their groups stay:
    a group left with no organiser goes to the moderation queue, for moderators to
    look after. Histories and decisions keep their text but lose the link to the person."""
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
    user.delete()


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
