"""Accounts for organiser, moderation and history tests: verified organisers, staff with
two-factor set up, and email sent at once (the immediate task backend) into the outbox.
Loaded with pytest_plugins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.test import Client

from groups.models import Group
from organisers.models import GroupOwner
from tests.support.organisers import PASSWORD


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Queued email is sent straight away, into Django's test outbox."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        *,
        verified: bool = True,
        staff: bool = False,
        totp: bool | None = None,
    ):
        email = email or f"organiser{next(counter)}@example.org"
        user = get_user_model().objects.create_user(
            username=email.split("@")[0], email=email, password=PASSWORD, is_staff=staff
        )
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        if totp if totp is not None else staff:
            TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.fixture
def organiser(make_user):
    return make_user("organiser@example.org")


@pytest.fixture
def organiser_client(organiser) -> Client:
    client = Client()
    client.force_login(organiser)
    return client


@pytest.fixture
def other_organiser_client(make_user) -> Client:
    client = Client()
    client.force_login(make_user("someone.else@example.org"))
    return client


@pytest.fixture
def moderator(make_user):
    user = make_user("moderator@example.org", staff=True)
    user.is_superuser = True  # the admin's permissions too
    user.save()
    return user


@pytest.fixture
def moderator_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def owned_group(make_group, organiser) -> Callable[..., Group]:
    """A group the organiser fixture owns (published unless told otherwise)."""

    def make(*args, owner=None, **kwargs) -> Group:
        group = make_group(*args, **kwargs)
        GroupOwner.objects.create(group=group, user=owner or organiser)
        return group

    return make
