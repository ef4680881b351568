"""Hostile text, as an organiser (or anyone who can type into a form) might supply it,
for every test that puts untrusted text through a path that shows it (issue 7, point 2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from groups.models import single_line

# The one most tests use: a script and an event handler.
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'

HOSTILE_TEXT = {
    "script": HOSTILE,
    "attribute": '"><svg onload=alert(1)>',
    "javascript-link": "'><a href='javascript:alert(1)'>Click me</a>",
    "template": "{{ settings.SECRET_KEY }}{% debug %}",
    "entities": "Tea &amp; biscuits &lt;b&gt;",
    "header-injection": "Circle\r\nBcc: victim@example.org\r\nSubject: hijacked",
    "formula": '=HYPERLINK("https://evil.example","Click")',
    "bidi": "\u202eevil\u202c ünïcödé ✓ 🙂",
}

# What must never reach a page, or an HTML email, as markup.
MARKUP = ["<script>alert", "<img src=x", "<svg onload", "<a href='javascript"]


def fits_one_line(text: str) -> bool:
    """Whether a one-line field (a name, a town, a meeting's note) takes text: it refuses
    line breaks and other control characters (groups.models.single_line)."""
    try:
        single_line(text)
    except ValidationError:
        return False
    return True


def hostile_params(*, one_line: bool | None = None) -> list:
    """HOSTILE_TEXT for pytest.mark.parametrize, each with its name as the test id: all of
    it, or only the strings a one-line field takes (one_line=True) or refuses (False)."""
    return [
        pytest.param(text, id=name)
        for name, text in HOSTILE_TEXT.items()
        if one_line is None or fits_one_line(text) == one_line
    ]


def assert_shown_as_text(html: str, text: str, where: str = "") -> None:
    """text is in the HTML escaped (once: entities it holds are escaped again), and
    nothing from it is markup."""
    assert escape(text) in html, f"{where}: {text!r} is not shown escaped"
    if escape(text) != text:
        assert text not in html, f"{where}: {text!r} is shown unescaped"
    for markup in MARKUP:
        assert markup not in html, f"{where}: {markup}"
