"""The one task that sends email. Requests only queue a message (a row in the database,
in the same transaction as the change it is about); the worker sends it, and tries again
later when the mail server is slow or down, so no request waits on it and no email is lost.

Once an attempt has run, sent or not, its stored arguments lose the message (subject,
text, addresses): a password-reset or sign-in link must not sit in the task results for
the 30 days they are kept. A failed attempt's retry carries its own copy until it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import parseaddr
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.tasks import TaskContext, task
from django.utils import timezone

# An operator's log alerting watches this logger: ERROR means a message was given up.
logger = logging.getLogger("directory.email")

# Minutes to wait before each retry: about two days in all before a message is given up.
RETRY_DELAYS_MINUTES = [1, 5, 15, 60, 180, 360, 720, 1440]


@task(takes_context=True)
def deliver_email(context: TaskContext, message: dict[str, Any], attempt: int = 1) -> None:
    """Sends one message. On failure it queues itself again, later, and fails this run so
    the error is kept with the task's result."""
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message.get("from_email"),
        to=message["to"],
        reply_to=message.get("reply_to") or None,
        headers=message.get("headers") or None,
    )
    if message.get("html"):
        email.attach_alternative(message["html"], "text/html")
    try:
        email.send()
    except Exception as exc:
        # Never the body, the subject or a whole address (nor the exception's text, which
        # can quote addresses): the task's id finds the rest in the database.
        task_id = context.task_result.id
        domains = ",".join(recipient_domains(message["to"]))
        retry = attempt <= len(RETRY_DELAYS_MINUTES) and context.task_result.task.get_backend()
        if retry and retry.supports_defer:
            delay = dt.timedelta(minutes=RETRY_DELAYS_MINUTES[attempt - 1])
            deliver_email.using(run_after=timezone.now() + delay).enqueue(message, attempt + 1)
            logger.warning(
                "Email task %s to %s failed (attempt %d, %s); retrying in %s",
                task_id,
                domains,
                attempt,
                type(exc).__name__,
                delay,
            )
        else:
            logger.error(
                "Email task %s to %s failed on its last attempt (%d, %s) and is given up; "
                "it is kept as a failed task",
                task_id,
                domains,
                attempt,
                type(exc).__name__,
            )
        # The task fails (its result keeps this error) without the server's own exception,
        # whose text can quote addresses and which the tasks framework would log whole.
        raise EmailNotSent(f"{type(exc).__name__} on attempt {attempt}") from None


PURGED = {"purged": "sent or given up: the message is not kept"}


def purge_message(sender: object, task_result: Any, **kwargs: object) -> None:
    """Django's task_finished signal: a finished delivery keeps only its attempt number."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if task_result.task.module_path != f"{__name__}.deliver_email":
        return
    if not isinstance(task_result.task.get_backend(), DatabaseBackend):
        return  # nothing stored (the immediate backend of tests)

    attempt = task_result.args[1] if len(task_result.args) > 1 else 1
    DBTaskResult.objects.filter(pk=task_result.id).update(
        args_kwargs={"args": [PURGED, attempt], "kwargs": {}}
    )


class EmailNotSent(Exception):
    """A message the mail server did not take, named by the error's type only."""


def recipient_domains(addresses: list[str]) -> list[str]:
    """The domains a message was for, without who at them ("?" for an address without one)."""
    found = set()
    for address in addresses:
        _, at, domain = parseaddr(address)[1].rpartition("@")
        found.add(domain.lower() if at and domain else "?")
    return sorted(found)
