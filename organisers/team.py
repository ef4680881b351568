"""Who organises a group: invitations (sent, resent, cancelled, accepted), co-organisers
removed or leaving, and claims of a listing by someone who runs the group. A group left
with nobody to organise it goes to the moderators."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.email import send_templated_email
from groups.models import Group

from .models import (
    Claim,
    ClaimAnswer,
    ClaimStatus,
    GroupOwner,
    Invitation,
    InvitationSend,
    hash_token,
)
from .services import organiser_emails

INVITATIONS_PER_DAY = 10
CLAIMS_PER_DAY = 3
CLAIM_LINK_DAYS = 30
CLAIM_SALT = "organisers.claim-answer"


def is_moderator(user: Any) -> bool:
    return bool(user.is_staff and user.has_perm("moderation.approve_listings"))


def user_emails(user: Any) -> set[str]:
    """Every address the account has, lower-cased."""
    from allauth.account.models import EmailAddress

    found = {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    return found | ({user.email.lower()} if user.email else set())


def user_has_verified_email(user: Any, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


# Invitations


def invitations_left_today(user: Any) -> int | None:
    """How many more invitation emails (resends included) the user may send in the 24 hours
    from now; None for moderators, who are not limited."""
    if is_moderator(user):
        return None
    since = timezone.now() - dt.timedelta(days=1)
    sent = InvitationSend.objects.filter(sent_by=user, sent_at__gt=since).count()
    return max(0, INVITATIONS_PER_DAY - sent)


def _check_limit(user: Any) -> None:
    if invitations_left_today(user) == 0:
        raise ValidationError(
            f"You have sent {INVITATIONS_PER_DAY} invitations in the last 24 hours, the most "
            "we allow. Please try again tomorrow.",
            code="limit",
        )


def _send(invitation: Invitation, sender: User) -> None:
    """A fresh link (the old one stops working) valid for 14 days from now, emailed."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.created_at = timezone.now()
    invitation.save(update_fields=["token_hash", "created_at"])
    InvitationSend.objects.create(invitation=invitation, sent_by=sender)
    send_templated_email(
        "organiser_invitation",
        [invitation.email],
        {
            "group": invitation.group,
            "invited_by": sender,
            "invitation": invitation,
            "accept_path": reverse("organisers:invitation", kwargs={"token": token}),
        },
    )


def open_invitations(group: Group) -> list[Invitation]:
    now = timezone.now()
    return [
        i
        for i in group.invitations.filter(accepted_at__isnull=True, cancelled_at__isnull=True)
        if i.expires_at > now
    ]


@transaction.atomic
def invite_organiser(*, group: Group, invited_by: User, email: str) -> Invitation:
    """Emails an invitation to help organise the group. Inviting an address that already
    has an open invitation sends that one again. Refuses the sender's own address, an
    address that already organises the group, and more than the daily limit."""
    email = email.strip().lower()
    if email in user_emails(invited_by):
        raise ValidationError("You cannot invite yourself.", code="self")
    if GroupOwner.objects.filter(group=group, user__email__iexact=email).exists():
        raise ValidationError(f"{email} already helps organise this group.", code="organiser")
    _check_limit(invited_by)
    invitation = next((i for i in open_invitations(group) if i.email == email), None)
    if invitation is None:
        invitation = Invitation.objects.create(
            group=group,
            email=email,
            token_hash=hash_token(secrets.token_urlsafe(32)),
            invited_by=invited_by,
        )
    _send(invitation, invited_by)
    return invitation


@transaction.atomic
def resend_invitation(*, invitation: Invitation, user: User) -> None:
    if invitation.accepted_at or invitation.cancelled_at:
        raise ValidationError("That invitation is no longer open.")
    _check_limit(user)
    _send(invitation, user)


@transaction.atomic
def cancel_invitation(*, invitation: Invitation) -> None:
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])


def find_invitation(token: str) -> Invitation | None:
    return Invitation.objects.select_related("group").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> None:
    GroupOwner.objects.get_or_create(group=invitation.group, user=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])


# Organisers leaving


def hand_to_moderators(group: Group, problem: str, details: str) -> None:
    """A group nobody organises any more goes to the moderators' "needs checking" list."""
    from moderation.models import Report

    if not group.owners.exists():
        Report.objects.create(group=group, problem=problem, details=details)


@transaction.atomic
def remove_organiser(*, group: Group, owner: GroupOwner, by: User) -> None:
    """An organiser takes another off the group (to leave it oneself, see leave_group)."""
    if owner.user_id == by.pk:
        raise ValidationError("To stop organising the group yourself, leave it.")
    email = owner.user.email
    owner.delete()
    send_templated_email("organiser_removed", [email], {"group": group, "by": by})


@transaction.atomic
def leave_group(*, group: Group, user: User) -> None:
    from moderation.models import Problem

    GroupOwner.objects.filter(group=group, user=user).delete()
    hand_to_moderators(
        group,
        Problem.NO_ORGANISER,
        "The group's last organiser stopped organising it. Moderators now look after the "
        "listing: invite someone who runs the group, or check it yourselves.",
    )


# Claims


def claims_left_today(user: Any) -> int:
    since = timezone.now() - dt.timedelta(days=1)
    return max(0, CLAIMS_PER_DAY - Claim.objects.filter(user=user, created_at__gt=since).count())


def claim_path(claim: Claim, email: str) -> str:
    token = signing.dumps({"claim": claim.pk, "email": email}, salt=CLAIM_SALT, compress=True)
    return reverse("organisers:claim_answer", kwargs={"token": token})


def read_claim_token(token: str) -> tuple[Claim, str] | None:
    """The claim and the address a link was sent to, if the link is genuine and under 30
    days old."""
    try:
        data = signing.loads(token, salt=CLAIM_SALT, max_age=dt.timedelta(days=CLAIM_LINK_DAYS))
        claim = Claim.objects.select_related("group", "user").get(pk=data["claim"])
    except (signing.BadSignature, KeyError, TypeError, Claim.DoesNotExist):
        return None
    return claim, str(data["email"])


def claim_askees(group: Group) -> list[str]:
    """Who is asked to confirm a claim: the group's listed address and its organisers."""
    found = [group.email.lower()] if group.email else []
    return found + [e.lower() for e in organiser_emails(group) if e.lower() not in found]


@transaction.atomic
def request_claim(*, group: Group, user: User, reason: str) -> Claim:
    if GroupOwner.objects.filter(group=group, user=user).exists():
        raise ValidationError("You already help organise this group.", code="organiser")
    if Claim.objects.filter(group=group, user=user, status=ClaimStatus.PENDING).exists():
        raise ValidationError(
            "You have already asked to organise this group. A moderator will look at it soon.",
            code="pending",
        )
    if claims_left_today(user) == 0:
        raise ValidationError(
            f"You have asked to organise {CLAIMS_PER_DAY} groups in the last 24 hours, the most "
            "we allow. Please try again tomorrow.",
            code="limit",
        )
    claim = Claim.objects.create(group=group, user=user, reason=reason)
    for email in claim_askees(group):
        send_templated_email(
            "claim_confirm",
            [email],
            {"claim": claim, "group": group, "answer_path": claim_path(claim, email)},
        )
    return claim


@transaction.atomic
def answer_claim(*, claim: Claim, email: str, confirmed: bool) -> None:
    """The group's listed address, or one of its organisers, says whether the person who
    asked helps run the group. The moderator sees the answer."""
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError("A moderator has already decided on this request.")
    claim.answer = ClaimAnswer.CONFIRMED if confirmed else ClaimAnswer.DECLINED
    claim.answered_at = timezone.now()
    claim.answered_by = email
    claim.save(update_fields=["answer", "answered_at", "answered_by"])


def _decide(claim: Claim, moderator: User, status: str, reason: str = "") -> None:
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError("This request has already been decided.")
    claim.status = status
    claim.decided_at = timezone.now()
    claim.decided_by = moderator
    claim.decision_reason = reason
    claim.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])


@transaction.atomic
def approve_claim(*, claim: Claim, moderator: User) -> None:
    _decide(claim, moderator, ClaimStatus.APPROVED)
    GroupOwner.objects.get_or_create(group=claim.group, user=claim.user)
    send_templated_email(
        "claim_decided",
        [claim.user.email],
        {
            "claim": claim,
            "group": claim.group,
            "approved": True,
            "group_path": reverse("organisers:group", kwargs={"pk": claim.group.pk}),
        },
    )


@transaction.atomic
def reject_claim(*, claim: Claim, moderator: User, reason: str) -> None:
    _decide(claim, moderator, ClaimStatus.REJECTED, reason)
    send_templated_email(
        "claim_decided",
        [claim.user.email],
        {"claim": claim, "group": claim.group, "approved": False, "reason": reason},
    )
