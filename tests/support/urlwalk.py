"""Walks the whole URL configuration (allauth's and the admin's included) and makes a
path for each pattern, for the tests that ask every URL something (tests/test_access.py,
tests/test_shortlist_privacy.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

# A value for each path converter; a pattern none of these fits gets an entry in SAMPLES.
CONVERTER_SAMPLES = {"int": "1", "slug": "no-such-slug", "str": "x", "path": "1"}
SAMPLES: dict[str, str] = {"^api/": "/api/no-such-thing/"}


@dataclass(frozen=True)
class Pattern:
    route: str
    view_name: str | None

    @property
    def label(self) -> str:
        return f"{self.view_name or '(no name)'} at {self.route!r}"


def _join(route1: str, route2: str) -> str:
    # As Django's URLResolver joins routes.
    return route1 + route2.removeprefix("^") if route1 else route2


def walk(resolver: URLResolver | None = None, route: str = "", namespaces=()) -> Iterator[Pattern]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = _join(route, str(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry, here, inner)
        else:
            assert isinstance(entry, URLPattern)
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Pattern(here, name)


def all_patterns() -> list[Pattern]:
    return list(walk())


def _regex_sample(regex: str) -> str:
    def named(match: re.Match) -> str:
        body = match.group(2)
        return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "abc1"

    text = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", named, regex)
    text = re.sub(r"\([^()]*\)", "1", text)
    return text.replace("^", "").replace("$", "").replace("\\", "")


def sample_path(pattern: Pattern, values: Mapping[str, str] = CONVERTER_SAMPLES) -> str:
    if pattern.route in SAMPLES:
        return SAMPLES[pattern.route]

    def converter(match: re.Match) -> str:
        kind = match.group(1) or "str"
        return str(uuid.uuid4()) if kind == "uuid" else values[kind]

    return "/" + _regex_sample(re.sub(r"(?<!\?P)<(?:(\w+):)?\w+>", converter, pattern.route))


def resolved(pattern: Pattern, values: Mapping[str, str] = CONVERTER_SAMPLES):
    """A path for pattern and its match; the match is None if an earlier pattern with the
    same route shadows it (it can never be reached)."""
    path = sample_path(pattern, values)
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.route == pattern.route:
        if pattern.view_name is None or match.view_name == pattern.view_name:
            return path, match
        return path, None
    raise AssertionError(
        f"{pattern.label}: cannot make a path for it ({path!r} resolves to "
        f"{match and match.route!r}); add one to SAMPLES in tests/support/urlwalk.py"
    )
