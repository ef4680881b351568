"""Sources and a local feed server for the feeds tests. Loaded with pytest_plugins."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from feeds.models import CodeMapping, Effect, FeedFormat, Source
from groups.models import Audience, Condition, GroupType, Place
from tests.support.feeds import FeedServer, fixture


@pytest.fixture(autouse=True)
def allow_private(settings):
    """The feed server is on 127.0.0.1, which production refuses."""
    settings.FEEDS_ALLOW_PRIVATE = True


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def meeting_guide() -> list[Any]:
    """A fresh copy of the Meeting Guide fixture, to change for a test."""
    return copy.deepcopy(fixture("meeting_guide.json"))


@pytest.fixture
def places(db) -> None:
    """The postcode districts the fixtures' meetings without coordinates fall back on."""
    Place.objects.create(key="LS5", name="LS5", kind="district", latitude=53.8196, longitude=-1.6)


@pytest.fixture
def make_source(db) -> Callable[..., Source]:
    def make(
        name: str = "Leeds AA intergroup",
        *,
        format: str = FeedFormat.MEETING_GUIDE,
        url: str,
        conditions: tuple[str, ...] = ("alcohol",),
        audiences: tuple[str, ...] = (),
        group_type: str = "twelve_step",
        **values: Any,
    ) -> Source:
        source = Source.objects.create(
            name=name,
            format=format,
            url=url,
            group_type=GroupType.objects.get(slug=group_type),
            licence="Permission from the intergroup's web servant, December 2026",
            attribution="Meeting data from the intergroup",
            **values,
        )
        source.conditions.set(Condition.objects.filter(slug__in=conditions))
        source.audiences.set(Audience.objects.filter(slug__in=audiences))
        return source

    return make


@pytest.fixture
def aa_leeds(make_source, feed_server, meeting_guide, places) -> Source:
    """The Leeds AA intergroup's Meeting Guide feed, with its own code for Welsh."""
    url = feed_server.serve("/meetings.json", meeting_guide)
    source = make_source(url=url, notify="webservant@aa-leeds.example.org")
    CodeMapping.objects.create(
        format=source.format, source=source, code="CY", effect=Effect.LANGUAGE, language="cy"
    )
    return source
