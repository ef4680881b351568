"""Links that are themselves a key (confirming an address, resetting a password, accepting
an invitation, answering from an email) leave their key out of every log line: whoever
reads a log must not be able to use a link that still works. gunicorn's own log lines are
checked in tests/test_private_logs.py::test_the_logs_leave_out_the_key_of_a_link_that_is_one."""

import logging

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from directory.logging import StripQueryStrings, without_secrets

SECRET = "Zq9sEcReT-key_1:x"
KEY_ARGUMENTS = {"token", "key"}
# Arguments named `key` that are not secret: an evidence record's public key.
PUBLIC_NAMESPACES = {"evidence"}
SAMPLES = {"uidb36": "2", "pk": "1", "id": "1", "slug": "a-group"}


def links_with_keys(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    """The name of every URL pattern with a `token` or `key` argument."""
    names = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            names += links_with_keys(pattern, inner)
        elif isinstance(pattern, URLPattern):
            arguments = set(pattern.pattern.regex.groupindex)
            if arguments & KEY_ARGUMENTS and namespace not in PUBLIC_NAMESPACES:
                assert pattern.name, f"{pattern.pattern} has a key and no name"
                names.append(":".join(filter(None, [namespace, pattern.name])))
    return names


def _path(name: str) -> str:
    for arguments in ({"token": SECRET}, {"key": SECRET}, {"uidb36": "2", "key": SECRET}):
        try:
            return reverse(name, kwargs=arguments)
        except NoReverseMatch:
            continue
    raise AssertionError(f"cannot build a link for {name}")


def test_the_walk_finds_the_links_we_know():
    names = links_with_keys()
    for name in ("account_confirm_email", "account_reset_password_from_key",
                 "organisers:invitation"):  # fmt: skip
        assert name in names


@pytest.mark.parametrize("name", links_with_keys())
def test_every_link_that_is_a_key_leaves_its_key_out_of_log_lines(name):
    path = _path(name)
    assert SECRET in path
    line = f'[07/Dec/2026:18:00:00 +0000] "GET {path} HTTP/1.1" 200 512 12ms'
    cleaned = without_secrets(line)
    assert SECRET not in cleaned, f"add {path.rsplit('/', 2)[0]!r} to SECRET_LINK_PATHS"
    assert "sEcReT" not in cleaned
    assert cleaned.endswith('/ HTTP/1.1" 200 512 12ms'), cleaned


OTHER_PATHS = ["/groups/a-group/", "/organisers/groups/1/edit/", "/evidence/peer-support/",
               "/accounts/password/reset/"]  # fmt: skip


@pytest.mark.parametrize("path", OTHER_PATHS)
def test_other_paths_are_logged_as_they_are(path):
    assert without_secrets(f"GET {path} HTTP/1.1") == f"GET {path} HTTP/1.1"


def test_djangos_own_log_lines_leave_the_key_out_too():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s",
        (f"/accounts/confirm-email/{SECRET}/",), None,
    )  # fmt: skip
    StripQueryStrings().filter(record)
    assert record.getMessage() == "Not Found: /accounts/confirm-email/-/"
