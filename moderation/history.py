"""A group's history as people read it: each version, who made it, when, why, and what
changed from the version before (fields, tags and meetings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from groups.models import Group
from organisers.proposals import PUBLIC_FIELDS, Difference, Proposal, differences
from organisers.services import organiser_emails

from .services import meetings_at

HISTORY_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}
STATE_LABELS = {
    "status": "Status",
    "archived_reason": "Why archived",
    "last_verified": "Last confirmed",
    "confirmed_by": "Confirmed by",
}


@dataclass
class Version:
    record: Any
    changes: list[Difference]

    @property
    def kind(self) -> str:
        return HISTORY_TYPES.get(self.record.history_type, self.record.history_type)


def proposal_at(record: Any, group: Group) -> Proposal:
    """The listing as one history record holds it."""
    historical = record.instance
    return Proposal(
        values={name: getattr(historical, name) for name in PUBLIC_FIELDS},
        conditions=[row.condition for row in record.conditions.select_related("condition")],
        audiences=[row.audience for row in record.audiences.select_related("audience")],
        meetings=meetings_at(group, record.history_date),
    )


def _state(record: Any) -> dict[str, str]:
    return {
        "status": record.get_status_display(),
        "archived_reason": record.get_archived_reason_display() if record.archived_reason else "",
        "last_verified": f"{record.last_verified:%-d %B %Y}" if record.last_verified else "",
        "confirmed_by": record.get_confirmed_by_display()
        + (f" ({record.confirmed_source})" if record.confirmed_source else ""),
    }


def versions(group: Group, limit: int = 100) -> list[Version]:
    records = list(
        group.history.select_related("history_user", "group_type").order_by(
            "-history_date", "-history_id"
        )[: limit + 1]
    )
    listings = [proposal_at(r, group) for r in records]
    result = []
    for index, record in enumerate(records[:limit]):
        previous = listings[index + 1] if index + 1 < len(records) else None
        changes = [d for d in differences(previous, listings[index]) if d.changed]
        before = _state(records[index + 1]) if index + 1 < len(records) else {}
        after = _state(record)
        changes += [
            Difference(name, STATE_LABELS[name], before.get(name, ""), value)
            for name, value in after.items()
            if before.get(name, "") != value
        ]
        result.append(Version(record, changes))
    return result


@dataclass
class Submission:
    by: Any  # the user who sent it for review, if known
    at: dt.datetime | None
    organisers: list[str]


def submission(group: Group, limit: int = 50) -> Submission:
    """Who sent a waiting group for review, and when: the earliest of its latest run of
    "pending" versions (an edit while waiting keeps it waiting, and the moderator wants the
    moment it first came into the queue)."""
    first = None
    records = group.history.select_related("history_user").order_by("-history_date", "-history_id")[
        :limit
    ]
    for record in records:
        if record.status != group.status:
            break
        first = record
    return Submission(
        by=first.history_user if first else None,
        at=first.history_date if first else None,
        organisers=organiser_emails(group),
    )


def revision_submission(revision: Any) -> Submission:
    return Submission(
        by=revision.author,
        at=revision.submitted_at,
        organisers=organiser_emails(revision.group),
    )
