from __future__ import annotations

from django.db import transaction

from organisers.models import GroupOwner


@transaction.atomic
def delete_account(user) -> None:
    """Deletes an organiser's account and what we hold about them. Their groups stay:
    a group left with no organiser goes to the moderation queue, for moderators to
    look after. Histories and decisions keep their text but lose the link to the person."""
    from moderation.models import Problem, Report

    for ownership in GroupOwner.objects.filter(user=user).select_related("group"):
        group = ownership.group
        ownership.delete()
        if not group.owners.exists():
            Report.objects.create(
                group=group,
                problem=Problem.ORGANISER_LEFT,
                details="The group's only organiser deleted their account. Moderators now "
                "look after the listing.",
            )
    user.delete()
