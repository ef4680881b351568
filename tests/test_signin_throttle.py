"""Failed sign-ins slow the next attempt, by client and by account, doubling from 1 s to
at most 60 s; no lock that an attacker holds keeps the owner out, who can always get in
with a link emailed to them, good for 30 minutes (issue 13 point 14)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from accounts import throttle
from tests.support.organisers import PASSWORD, link_in

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.organiser_fixtures"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The throttle's time, moved on by the test instead of waited for."""
    fake = Clock()
    monkeypatch.setattr(throttle, "clock", fake)
    return fake


def sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def waiting(response) -> int | None:
    """The seconds a sign-in page asks to wait, if it does."""
    found = re.search(r"Wait (\d+) seconds?, then try again", response.content.decode())
    return int(found.group(1)) if found else None


def guess(client: Client, email: str, times: int, clock: Clock) -> None:
    """Wrong passwords, each as soon as the last one's wait is over."""
    for failures in range(times):
        clock.advance(throttle.delay_after(failures))
        assert waiting(sign_in(client, email, f"guess-{failures}")) is None


def signed_in(response) -> bool:
    return response.status_code == 302 and "/login/" not in response["Location"]


def at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_the_delay_doubles_from_one_second_to_at_most_a_minute():
    assert [throttle.delay_after(n) for n in range(10)] == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_each_wrong_password_makes_the_next_attempt_wait_longer(client, organiser, clock):
    for failures in range(1, 9):
        assert waiting(sign_in(client, organiser.email, "wrong")) is None  # checked: wrong
        delay = throttle.delay_after(failures)
        assert waiting(sign_in(client, organiser.email, PASSWORD)) == delay  # even the right one
        clock.advance(delay)
    assert delay == 60
    assert signed_in(sign_in(client, organiser.email, PASSWORD))


def test_attempts_refused_while_waiting_are_not_counted(client, organiser, clock):
    for failures in range(1, 4):
        clock.advance(throttle.delay_after(failures - 1))
        sign_in(client, organiser.email, "wrong")
    for _ in range(10):
        assert waiting(sign_in(client, organiser.email, "wrong")) == 4
    clock.advance(4)
    assert signed_in(sign_in(client, organiser.email, PASSWORD))


def test_a_guesser_on_one_client_slows_every_account_from_it(client, make_user, clock):
    sign_in(client, "one@example.org", "wrong")
    other = make_user("other@example.org")
    assert waiting(sign_in(client, other.email, PASSWORD)) == 1
    # A success with an account of one's own does not clear the client's delay.
    clock.advance(1)
    assert signed_in(sign_in(client, other.email, PASSWORD))
    client.logout()
    sign_in(client, "two@example.org", "wrong")
    assert waiting(sign_in(client, "three@example.org", "wrong")) == 2


def test_a_guesser_elsewhere_cannot_keep_the_owner_out(organiser, clock):
    guesser = at("203.0.113.66")
    guess(guesser, organiser.email, 8, clock)
    # The account's delay holds up its owner too, on any client...
    owner = at("198.51.100.7")
    refused = sign_in(owner, organiser.email, PASSWORD)
    assert waiting(refused) == 60
    page = refused.content.decode()
    assert "Get an email to sign in without waiting" in page
    assert 'href="/accounts/unlock/request/"' in page

    # ...who asks for a link, and signs in at once with it.
    sent = owner.post("/accounts/unlock/request/", {"email": organiser.email.upper()})
    assert "Check your email" in sent.content.decode()
    (message,) = mail.outbox
    assert message.to == [organiser.email]
    assert "30 minutes" in message.body
    opened = owner.get(link_in(message.body))
    assert opened["Location"] == "/accounts/login/"
    assert signed_in(sign_in(owner, organiser.email, PASSWORD))
    # The guesser still waits.
    assert waiting(sign_in(guesser, organiser.email, "guess-9"))


def test_with_the_link_wrong_passwords_still_slow_that_browser(organiser, clock):
    owner = at("198.51.100.7")
    owner.post("/accounts/unlock/request/", {"email": organiser.email})
    owner.get(link_in(mail.outbox[-1].body))
    sign_in(owner, organiser.email, "wrong")
    assert waiting(sign_in(owner, organiser.email, PASSWORD)) == 1


def test_the_link_works_for_30_minutes_and_until_the_next_sign_in(organiser, clock):
    owner = at("198.51.100.7")
    owner.post("/accounts/unlock/request/", {"email": organiser.email})
    link = link_in(mail.outbox[-1].body)
    clock.advance(30 * 60 + 1)
    expired = owner.get(link)
    assert expired.status_code == 400
    assert "This link has expired" in expired.content.decode()

    owner.post("/accounts/unlock/request/", {"email": organiser.email})
    link = link_in(mail.outbox[-1].body)
    assert owner.get(link).status_code == 302
    assert signed_in(sign_in(owner, organiser.email, PASSWORD))
    assert at("198.51.100.8").get(link).status_code == 400  # used: the account signed in since


def test_a_link_is_for_the_address_it_was_sent_to(organiser, make_user, clock):
    other = make_user("other@example.org")
    owner = at("198.51.100.7")
    owner.post("/accounts/unlock/request/", {"email": organiser.email})
    owner.get(link_in(mail.outbox[-1].body))
    guesser = at("203.0.113.66")
    sign_in(guesser, other.email, "wrong")
    clock.advance(0.5)
    assert waiting(sign_in(owner, other.email, PASSWORD)) == 1


def test_asking_for_a_link_never_says_whether_an_account_exists(client, organiser):
    known = client.post("/accounts/unlock/request/", {"email": organiser.email})
    unknown = client.post("/accounts/unlock/request/", {"email": "nobody@example.org"})
    assert known.content.decode().replace(organiser.email, "X") == (
        unknown.content.decode().replace("nobody@example.org", "X")
    )
    to_owner, to_nobody = mail.outbox
    assert "/accounts/unlock/?token=" in to_owner.body
    assert to_nobody.to == ["nobody@example.org"]
    assert "there is no account for it" in to_nobody.body
    assert "token" not in to_nobody.body


def test_links_are_sent_a_few_times_an_hour_per_client_and_address(organiser):
    for _ in range(5):
        at("203.0.113.66").post("/accounts/unlock/request/", {"email": organiser.email})
    assert len(mail.outbox) == 3
    # Someone else using up the address's allowance does not stop the owner.
    at("198.51.100.7").post("/accounts/unlock/request/", {"email": organiser.email})
    assert len(mail.outbox) == 4


def test_a_password_reset_ends_the_accounts_wait(organiser, clock):
    guess(at("203.0.113.66"), organiser.email, 5, clock)
    owner = at("198.51.100.7")
    assert waiting(sign_in(owner, organiser.email, PASSWORD)) == 16
    owner.post("/accounts/password/reset/", {"email": organiser.email})
    page = owner.get(link_in(mail.outbox[-1].body), follow=True)
    new = "another-long-passphrase-77"
    owner.post(page.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert signed_in(sign_in(owner, organiser.email, new))


def test_the_sign_in_page_offers_the_link_only_when_asked_to_wait(client, organiser, clock):
    first = sign_in(client, organiser.email, "wrong").content.decode()
    assert "without waiting" not in first
    assert "without waiting" in sign_in(client, organiser.email, "wrong").content.decode()


def test_the_throttle_keeps_no_address_readable(client, organiser, clock):
    at("198.51.100.23").post("/accounts/login/", {"login": organiser.email, "password": "x"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM directory_cache")
        keys = " ".join(row[0] for row in cursor.fetchall())
    assert "signin:client:" in keys and "signin:account:" in keys
    assert "198.51.100" not in keys
    assert "organiser" not in keys
