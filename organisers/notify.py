"""Organisers hear when someone else changes their listing: a moderator (in the admin, or by
restoring an earlier version) or a feed. Feeds call tell_organisers_of_changes() after
their save_group(), with the listing as it was before."""

from __future__ import annotations

from django.urls import reverse

from accounts.email import send_templated_email
from groups.models import Group

from .proposals import Difference, Proposal, differences
from .services import organiser_emails

# Coordinates follow the postcode or town, which are shown; raw numbers tell nobody anything.
NOT_TOLD = {"latitude", "longitude"}


def changed_fields(before: Proposal, after: Proposal) -> list[Difference]:
    return [d for d in differences(before, after) if d.changed and d.name not in NOT_TOLD]


def tell_organisers_of_changes(
    *, group: Group, before: Proposal, by: str, reason: str = ""
) -> list[Difference]:
    """Emails the group's organisers what changed since `before` (the group's
    Proposal.from_group() taken before the change), saying who changed it: `by` completes
    "changed by ...", e.g. "a moderator" or "the Sheffield AA meeting list". Returns the
    changes; nothing is sent when nothing they can see changed or nobody organises it."""
    changes = changed_fields(before, Proposal.from_group(group))
    if changes:
        send_templated_email(
            "listing_changed",
            organiser_emails(group),
            {
                "group": group,
                "changes": changes,
                "by": by,
                "reason": reason,
                "group_path": reverse("organisers:group", kwargs={"pk": group.pk}),
            },
        )
    return changes
