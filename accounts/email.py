"""Every email is rendered from three templates (NAME_subject.txt, NAME.txt and NAME.html)
and queued, never sent inside a request: see tasks.deliver_email."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import linebreaks, urlize

from .tasks import deliver_email


def send_templated_email(template: str, to: str | Iterable[str], context: dict[str, Any]) -> None:
    """Renders templates/email/<template>{_subject.txt,.txt,.html} and queues the message."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return
    ctx = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = render_to_string(f"email/{template}_subject.txt", ctx)
    queue_email(
        subject=" ".join(subject.splitlines()).strip(),
        body=render_to_string(f"email/{template}.txt", ctx),
        html=render_to_string(f"email/{template}.html", ctx),
        to=recipients,
    )


def queue_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str = "",
    from_email: str | None = None,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    deliver_email.enqueue(
        {
            "subject": subject,
            "body": body,
            "html": html,
            "to": list(to),
            "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
            "reply_to": list(reply_to or []),
            "headers": dict(headers or {}),
        }
    )


def queue_message(message: EmailMessage) -> None:
    """Queues a message that something else (allauth) rendered; gives it an HTML part
    made from its text if it has none."""
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((str(c) for c, mimetype in message.alternatives if mimetype == "text/html"), "")
    body = str(message.body)
    if message.content_subtype == "html":
        html, body = body, ""
    if not html:
        html = render_to_string(
            "email/base.html",
            {"subject": message.subject, "fallback": linebreaks(urlize(body, autoescape=True))},
        )
    queue_email(
        subject=str(message.subject),
        body=body,
        html=html,
        to=list(message.to),
        from_email=message.from_email,
        reply_to=list(message.reply_to),
        headers={k: str(v) for k, v in message.extra_headers.items()},
    )
