"""The email backend `make run` uses while debugging: the console, readably."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.core.mail.backends import console

HEADERS = ("Date", "From", "To", "Cc", "Reply-To", "Subject")


class EmailBackend(console.EmailBackend):
    """Prints each message's headers and its plain text as written. Django's console
    backend prints the raw MIME message, whose lines over 78 characters are
    quoted-printable: a confirmation link there is broken across lines with `=` and
    cannot be copied from the terminal."""

    def write_message(self, message: EmailMessage) -> None:
        mime = message.message()
        for name in HEADERS:
            if mime[name]:
                self.stream.write(f"{name}: {mime[name]}\n")
        self.stream.write(f"\n{str(message.body).rstrip()}\n")
        alternatives = [a.mimetype for a in getattr(message, "alternatives", [])]
        if alternatives:
            self.stream.write(f"\n(also sent as {', '.join(alternatives)})\n")
        self.stream.write("-" * 79 + "\n")
