"""Rate limits count by client, in both likely set-ups (issue 13 point 7): behind the
proxy on the same host (the production recipe, and the default), and with gunicorn open
to a load balancer on another host, where a client reaching it directly cannot choose
its address with X-Forwarded-For."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory

from accounts.clients import client_address
from moderation.models import Report
from tests.support.organisers import PASSWORD
from tests.test_reports import report

pytest_plugins = ["tests.organiser_fixtures"]

ROOT = Path(__file__).resolve().parent.parent


def through_proxy(client_ip: str, proxy: str = "127.0.0.1") -> Client:
    """A browser at client_ip, reaching gunicorn through a proxy that appends the address
    it saw to X-Forwarded-For."""
    return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_ip)


@pytest.mark.django_db
def test_behind_the_proxy_on_this_host_a_guesser_does_not_lock_out_a_real_user(organiser):
    attacker = through_proxy("203.0.113.66")
    for n in range(10):
        attacker.post("/accounts/login/", {"login": f"random{n}@example.org", "password": "x"})

    owner = through_proxy("198.51.100.7")
    response = owner.post("/accounts/login/", {"login": organiser.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    assert owner.get("/organisers/").status_code == 200


@pytest.mark.django_db
def test_behind_the_proxy_on_this_host_each_client_has_its_own_report_limit(make_group):
    group = make_group()
    busy = through_proxy("203.0.113.66")
    for _ in range(5):
        assert report(busy, group).status_code == 200
    assert report(busy, group).status_code == 429
    assert report(through_proxy("198.51.100.7"), group).status_code == 200


@pytest.mark.django_db
def test_a_client_reaching_gunicorn_directly_cannot_choose_its_address(make_group, settings):
    # gunicorn listens on every address (BIND=0.0.0.0:8000) for a load balancer at 10.0.0.5.
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.5"]
    group = make_group()
    accepted = [
        report(through_proxy(f"192.0.2.{n}", proxy="203.0.113.9"), group).status_code
        for n in range(8)
    ]
    assert accepted == [200] * 5 + [429] * 3
    assert Report.objects.count() == 5
    # Through the load balancer, each client is itself.
    assert report(through_proxy("192.0.2.200", proxy="10.0.0.5"), group).status_code == 200


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "client"),
    [
        ("198.51.100.7", "", ["127.0.0.1"], "198.51.100.7"),
        ("127.0.0.1", "198.51.100.7", ["127.0.0.1"], "198.51.100.7"),
        # What the client wrote itself (left of what our proxy appended) proves nothing.
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", ["127.0.0.1"], "198.51.100.7"),
        # A peer that is not our proxy: its header is ignored.
        ("203.0.113.9", "198.51.100.7", ["127.0.0.1"], "203.0.113.9"),
        # A chain of our proxies (load balancer, then a proxy on the host).
        (
            "127.0.0.1",
            "6.6.6.6, 198.51.100.7, 10.0.0.5",
            ["127.0.0.1", "10.0.0.0/8"],
            "198.51.100.7",
        ),
        ("::1", "2001:db8::1", ["127.0.0.1", "::1"], "2001:db8::1"),
        # "*": any peer is a proxy, and the entry it appended is the client.
        ("10.1.2.3", "6.6.6.6, 198.51.100.7", ["*"], "198.51.100.7"),
    ],
)
def test_the_client_address_is_what_our_proxies_saw(peer, forwarded, proxies, client, settings):
    settings.FORWARDED_ALLOW_IPS = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    assert client_address(request) == client


@pytest.mark.parametrize(
    ("bind", "expected"), [(None, "127.0.0.1:8000"), ("0.0.0.0:8000", "0.0.0.0:8000")]
)
def test_gunicorn_listens_on_loopback_unless_told(bind, expected, monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    if bind is None:
        monkeypatch.delenv("BIND", raising=False)
    else:
        monkeypatch.setenv("BIND", bind)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == expected


@pytest.mark.django_db
def test_the_deploy_check_warns_of_an_open_bind_with_no_proxy_named(monkeypatch, settings):
    monkeypatch.setenv("BIND", "0.0.0.0:8000")
    with pytest.raises(SystemCheckError, match="FORWARDED_ALLOW_IPS"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.5"]
    try:
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
    except SystemCheckError as exc:
        assert "FORWARDED_ALLOW_IPS" not in str(exc)
