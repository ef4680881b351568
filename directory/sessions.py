"""The session engine: Django's database sessions, except that an anonymous session (a
clinician's shortlist) ends when the browser closes and, on the server, after
ANONYMOUS_SESSION_SECONDS, since browsers that restore sessions keep their cookies.
Signed-in sessions keep Django's and allauth's rules ("Remember me")."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

ANONYMOUS_SESSION_SECONDS = 8 * 60 * 60


class SessionStore(DatabaseSessionStore):
    def _anonymous(self) -> bool:
        return SESSION_KEY not in self

    def get_session_cookie_age(self) -> int:
        if self._anonymous():
            return ANONYMOUS_SESSION_SECONDS
        return super().get_session_cookie_age()

    def get_expire_at_browser_close(self) -> bool:
        return True if self._anonymous() else super().get_expire_at_browser_close()
