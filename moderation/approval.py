"""What a moderator may approve: exactly the version they saw, and not their own work
while another moderator can check it (issue 13 point 2, issue 15 point 7)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError

from groups.models import Group
from organisers.models import GroupRevision
from organisers.proposals import Proposal


class ChangedSinceSeen(ValidationError):
    """The listing changed after the moderator opened it."""

    def __init__(self) -> None:
        super().__init__(
            "The listing changed after you opened it. Check this version, then approve it "
            "if it is right.",
            code="changed",
        )


def _fingerprint(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def group_version(group: Group) -> str:
    """The version of a waiting group as a moderator sees it: every field, tag and meeting."""
    return _fingerprint(Proposal.from_group(group).to_json())


def revision_version(revision: GroupRevision) -> str:
    return _fingerprint(revision.data)


def check_seen(current: str, seen: str) -> None:
    if current != seen:
        raise ChangedSinceSeen()


def other_moderators_exist(moderator: Any) -> bool:
    from .digest import moderators

    return moderators().exclude(pk=moderator.pk).exists()


def own_work(moderator: Any, *, group: Group, revision: GroupRevision | None) -> bool:
    """Whether the moderator wrote what waits: proposed the changes, or organises or
    submitted the new group."""
    if revision is not None:
        return revision.author_id == moderator.pk
    if group.owners.filter(user=moderator).exists():
        return True
    from .history import submission

    return getattr(submission(group).by, "pk", None) == moderator.pk


def self_approval_refusal(moderator: Any, *, group: Group, revision: GroupRevision | None) -> str:
    """Why the moderator may not approve this ("" if they may)."""
    if own_work(moderator, group=group, revision=revision) and other_moderators_exist(moderator):
        return "You made this change, so another moderator must approve it."
    return ""
