"""Organiser accounts: sign-up with a verified email, no account enumeration, rate
limits, two-factor for staff, account deletion, privacy, and email through the queue."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import re
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tasks import PURGED, RETRY_DELAYS_MINUTES, deliver_email, recipient_domains
from groups.models import Group
from moderation.models import Report
from organisers.models import GroupOwner
from tests.support.organisers import PASSWORD, link_in

pytest_plugins = ["tests.organiser_fixtures"]

SIGNUP = {"email": "new.organiser@example.org", "password1": PASSWORD, "password2": PASSWORD}


def signup(client, **data):
    return client.post("/accounts/signup/", {**SIGNUP, **data})


@pytest.mark.django_db
def test_it_signs_up_with_email_and_verifies_before_anything_else(client):
    response = signup(client)
    assert response["Location"] == "/accounts/confirm-email/"
    (message,) = mail.outbox
    assert message.to == ["new.organiser@example.org"]
    assert message.subject == "Mutual aid directory: Confirm your email address"
    assert message.alternatives[0].mimetype == "text/html"
    assert client.get("/organisers/").status_code == 302  # not signed in yet
    login = client.post("/accounts/login/", {"login": SIGNUP["email"], "password": PASSWORD})
    assert login["Location"] == "/accounts/confirm-email/"
    assert client.get("/organisers/").status_code == 302

    sent = client.get("/accounts/confirm-email/").content.decode()
    assert "Check your email" in sent
    assert "Verify Your" not in sent and "finalize" not in sent

    confirm = link_in(message.body)
    page = client.get(confirm).content.decode()
    assert "<h1" in page and "Confirm your email address</h1>" in page
    assert "Confirm Email Address" not in page and "Please confirm" not in page
    assert client.post(confirm)["Location"] == "/organisers/"
    assert client.get("/organisers/").status_code == 200
    user = get_user_model().objects.get(email=SIGNUP["email"])
    assert user.emailaddress_set.get().verified


@pytest.mark.django_db
def test_confirming_an_address_never_activates_a_password_its_owner_did_not_set():
    from django.test import Client

    # Someone signs up with another person's address and a password of their own...
    attacker, planted = Client(REMOTE_ADDR="203.0.113.66"), "attackers-own-passphrase-1"
    signup(attacker, email="victim@example.org", password1=planted, password2=planted)
    link = link_in(mail.outbox[-1].body)

    # ...and the owner, who never signed up, confirms the address from the email.
    owner = Client(REMOTE_ADDR="198.51.100.7")
    confirmed = owner.post(link, follow=True)
    assert confirmed.redirect_chain[-1][0] == "/accounts/password/reset/"
    assert "choose your password again" in confirmed.content.decode()
    user = get_user_model().objects.get(email="victim@example.org")
    assert user.emailaddress_set.get().verified
    assert not user.has_usable_password()
    refused = Client(REMOTE_ADDR="203.0.113.67").post(
        "/accounts/login/", {"login": "victim@example.org", "password": planted}
    )
    assert refused.status_code == 200  # the form again: the planted password opens nothing

    # The owner chooses a password through the emailed reset link, and signs in with it.
    owner.post("/accounts/password/reset/", {"email": "victim@example.org"})
    page = owner.get(link_in(mail.outbox[-1].body), follow=True)
    own = "the-owners-own-passphrase-2"
    owner.post(page.redirect_chain[-1][0], {"password1": own, "password2": own})
    assert (
        owner.post("/accounts/login/", {"login": "victim@example.org", "password": own})["Location"]
        == "/organisers/"
    )


@pytest.mark.django_db
def test_an_address_added_later_and_confirmed_elsewhere_keeps_the_password(
    organiser_client, organiser
):
    from django.test import Client

    organiser.last_login = timezone.now()
    organiser.save()
    organiser_client.post("/accounts/email/", {"email": "second@example.org", "action_add": ""})
    Client().post(link_in(mail.outbox[-1].body))
    organiser.refresh_from_db()
    assert organiser.emailaddress_set.get(email="second@example.org").verified
    assert organiser.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_sign_in_page_has_one_forgotten_password_link_and_sentence_case(client):
    html = client.get("/accounts/login/").content.decode()

    assert html.count("Forgotten your password?") == 1
    assert "Forgot your password?" not in html
    assert "Remember me" in html
    assert "Remember Me" not in html


@pytest.mark.django_db
def test_signing_in_names_the_person_by_their_email_address(client, make_user):
    make_user("walker.six@example.org")  # its username, made from the address, is walker.six
    page = client.post(
        "/accounts/login/", {"login": "walker.six@example.org", "password": PASSWORD}, follow=True
    ).content.decode()
    assert "You are signed in as walker.six@example.org." in page
    assert "Successfully signed in" not in page
    assert "as walker.six." not in page


@pytest.mark.django_db
def test_signup_shows_errors_in_a_summary_and_beside_fields(client):
    page = signup(client, email="not an email", password2="different").content.decode()
    assert "<title>Error:" in page
    assert "There is a problem" in page
    assert 'href="#id_email"' in page
    assert 'id="id_email-error"' in page


@pytest.mark.django_db
def test_signing_up_with_a_taken_address_looks_the_same(client, organiser):
    response = signup(client, email=organiser.email)
    assert response["Location"] == "/accounts/confirm-email/"
    assert mail.outbox[-1].to == [organiser.email]
    assert "Already Exists" in mail.outbox[-1].subject
    assert get_user_model().objects.filter(email=organiser.email).count() == 1


@pytest.mark.django_db
def test_signing_up_does_the_same_work_for_a_taken_address_as_for_a_new_one(organiser, settings):
    from django.test import Client

    from tests.support.hashing import CountingHasher

    settings.PASSWORD_HASHERS = ["tests.support.hashing.CountingHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    work = {}
    for email in [organiser.email, "new.organiser@example.org"]:
        CountingHasher.made, queued = 0, DBTaskResult.objects.count()
        response = signup(Client(), email=email)
        assert response["Location"] == "/accounts/confirm-email/"
        work[email] = (CountingHasher.made, DBTaskResult.objects.count() - queued)
    assert work == {organiser.email: (1, 1), "new.organiser@example.org": (1, 1)}


@pytest.mark.django_db
def test_password_reset_does_not_say_whether_an_account_exists(client, organiser):
    known = client.post("/accounts/password/reset/", {"email": organiser.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert "Password Reset" in mail.outbox[0].subject
    assert "Unknown Account" in mail.outbox[1].subject


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_from_the_email(client, organiser):
    client.post("/accounts/password/reset/", {"email": organiser.email})
    page = client.get(link_in(mail.outbox[-1].body), follow=True)
    new = "another-long-passphrase-77"
    client.post(page.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert client.login(username=organiser.username, password=new)


@pytest.mark.django_db
def test_signing_in_does_not_say_whether_an_account_exists(client, organiser):
    def error(email: str, address: str) -> str:
        # Each from its own client: a second failure from one would be asked to wait.
        page = client.post(
            "/accounts/login/", {"login": email, "password": "wrong"}, REMOTE_ADDR=address
        )
        assert page.status_code == 200
        (message,) = re.findall(r"nhsuk-error-summary__list.*?</ul>", _flat(page), re.S)
        return message

    assert error(organiser.email, "192.0.2.1") == error("nobody@example.org", "192.0.2.2")


def _flat(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_rate_limits_are_counted_in_the_shared_database_cache(client, organiser, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")

    def sign_in() -> str:
        return _flat(client.post("/accounts/login/", {"login": organiser.email, "password": "x"}))

    sign_in()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM directory_cache")
        assert cursor.fetchone()[0] > 0
    assert "then try again" in sign_in()
    # The counts are rows in that table, which every app server reads: empty it, and
    # the wait is lifted for all of them at once.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM directory_cache")
    assert "then try again" not in sign_in()


@pytest.mark.django_db
def test_staff_sign_in_with_their_authenticator_app(client, moderator):
    response = client.post("/accounts/login/", {"login": moderator.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/moderation/").status_code == 302
    secret = Authenticator.objects.get(user=moderator).wrap().instance.data["secret"]
    from allauth.mfa.utils import decrypt

    code = format_hotp_value(hotp_value(decrypt(secret), next(yield_hotp_counters_from_time())))
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.get("/moderation/").status_code == 200


@pytest.mark.django_db
def test_deleting_an_account_keeps_its_groups_for_the_moderators(
    organiser_client, organiser, owned_group, client
):
    group = owned_group()
    url = "/accounts/delete/"
    page = organiser_client.post(url, {"password": "wrong", "confirm": "on"}).content.decode()
    assert "The password is not right." in page
    organiser_client.post(url, {"password": PASSWORD, "confirm": "on"})
    assert not get_user_model().objects.filter(pk=organiser.pk).exists()
    assert Group.objects.filter(pk=group.pk, status="published").exists()
    assert not GroupOwner.objects.exists()
    assert Report.objects.get().problem == "organiser_left"
    assert group.history.get().history_user is None
    assert client.get(group.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_co_organised_group_is_not_reported_when_one_leaves(
    organiser_client, owned_group, make_user
):
    group = owned_group()
    GroupOwner.objects.create(group=group, user=make_user("co@example.org"))
    organiser_client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_privacy_notice_says_what_why_and_how_long(client):
    page = client.get("/privacy/organisers/").content.decode()
    for heading in ["What we keep", "Why we keep it", "How long we keep it"]:
        assert heading in page
    assert 'href="/privacy/organisers/"' in client.get("/accounts/signup/").content.decode()


@pytest.mark.django_db
def test_the_privacy_notice_gives_the_contact_address(client, settings):
    settings.CONTACT_EMAIL = "help@directory.test"
    page = client.get("/privacy/organisers/").content.decode()
    assert '<a href="mailto:help@directory.test">help@directory.test</a>' in page
    assert "directory@example.org" not in page


@pytest.mark.parametrize(
    "env,expected",
    [
        ({"CONTACT_EMAIL": "help@directory.test"}, "help@directory.test"),
        ({"DEFAULT_FROM_EMAIL": "from@directory.test"}, "from@directory.test"),
        ({}, "directory@example.org"),
        (
            {"DEFAULT_FROM_EMAIL": "Mutual aid directory <from@directory.test>"},
            "from@directory.test",
        ),
    ],
)
def test_the_contact_address_comes_from_the_environment(env, expected):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CONTACT_EMAIL", "DEFAULT_FROM_EMAIL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    result = subprocess.run(
        [sys.executable, "-c", "from directory import settings; print(settings.CONTACT_EMAIL)"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected


@pytest.mark.django_db
def test_the_header_offers_sign_in_and_then_the_organisers_pages(client, organiser_client):
    assert 'href="/accounts/login/"' in client.get("/").content.decode()
    page = organiser_client.get("/").content.decode()
    assert 'href="/organisers/"' in page
    assert "Sign out" in page


@pytest.fixture
def queued(settings, transactional_db):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval=0", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_email_is_queued_and_sent_by_the_worker(client, queued):
    signup(client)
    assert mail.outbox == []
    task = DBTaskResult.objects.get()
    assert task.task_path == "accounts.tasks.deliver_email"
    run_worker()
    assert len(mail.outbox) == 1
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"


def stored_arguments() -> str:
    return " ".join(str(a) for a in DBTaskResult.objects.values_list("args_kwargs", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_sent_password_reset_link_is_not_kept_in_the_task_results(client, queued, organiser):
    client.post("/accounts/password/reset/", {"email": organiser.email})
    assert "/accounts/password/reset/key/" in stored_arguments()  # waiting to be sent
    run_worker()
    (message,) = mail.outbox
    assert "/accounts/password/reset/key/" in message.body
    kept = stored_arguments()
    for secret in ["/accounts/password/reset/key/", organiser.email, "Password Reset"]:
        assert secret not in kept
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_an_email_given_up_is_not_kept_either(queued, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.BrokenMailServer"}}
    last = len(RETRY_DELAYS_MINUTES) + 1
    deliver_email.enqueue({"subject": "S", "body": "Secret link", "to": ["pat@clinic.test"]}, last)
    run_worker()
    result = DBTaskResult.objects.get()
    assert result.status == "FAILED"
    assert result.args_kwargs["args"] == [PURGED, last]


@pytest.mark.django_db
def test_the_migration_purges_email_sent_before(settings):
    migration = importlib.import_module("accounts.migrations.0003_purge_sent_email")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sent = deliver_email.enqueue({"subject": "S", "body": "Old link", "to": ["a@b.test"]})
    waiting = deliver_email.enqueue({"subject": "S", "body": "New link", "to": ["a@b.test"]}, 2)
    DBTaskResult.objects.filter(pk=sent.id).update(status="SUCCESSFUL")
    migration.purge(apps, None)
    assert DBTaskResult.objects.get(pk=sent.id).args_kwargs["args"] == [PURGED, 1]
    assert DBTaskResult.objects.get(pk=waiting.id).args_kwargs["args"][0]["body"] == "New link"


class BrokenMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


class RefusingMailServer(BrokenMailServer):
    def send_messages(self, messages):
        # smtplib's own error quotes the address it refused.
        raise smtplib.SMTPRecipientsRefused({"pat@clinic.test": (550, b"User unknown")})


def test_no_log_line_or_stored_error_holds_an_address_the_mail_server_refused(
    queued, settings, caplog
):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.RefusingMailServer"}}
    first = deliver_email.enqueue({"subject": "S", "body": "B", "to": ["pat@clinic.test"]})
    with caplog.at_level(logging.DEBUG):
        run_worker()
    assert "SMTPRecipientsRefused" in caplog.text, "the operator still learns what failed"
    assert "pat@" not in caplog.text
    failed = DBTaskResult.objects.get(pk=first.id)
    assert failed.status == "FAILED"
    assert "pat@" not in failed.traceback


def test_recipient_domains_never_hold_who():
    assert recipient_domains(["Pat <pat@Clinic.test>", "root", "x@"]) == ["?", "clinic.test"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_mail_server_neither_breaks_the_request_nor_loses_the_email(
    client, queued, settings
):
    working = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.BrokenMailServer"}}
    assert signup(client).status_code == 302
    run_worker()
    failed, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert failed.status == "FAILED"
    assert "ConnectionRefusedError on attempt 1" in failed.traceback
    assert retry.status == "READY"
    # The retry carries the message; the failed attempt keeps only its number.
    assert retry.args_kwargs["args"][0]["to"] == ["new.organiser@example.org"]
    assert retry.args_kwargs["args"][1] == 2  # the second attempt
    assert failed.args_kwargs["args"] == [PURGED, 1]
    assert retry.run_after > timezone.now() + dt.timedelta(seconds=30)
    assert mail.outbox == []

    # The mail server comes back; when the retry is due, the worker sends the message.
    settings.MAILERS = working
    run_worker()
    assert mail.outbox == []  # not due yet
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    (message,) = mail.outbox
    assert message.to == ["new.organiser@example.org"]
    retry.refresh_from_db()
    assert retry.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_an_email_given_up_is_logged_as_an_error_without_its_content(queued, settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.BrokenMailServer"}}
    message = {"subject": "Secret subject", "body": "Secret body", "to": ["Pat <pat@Clinic.test>"]}
    first = deliver_email.enqueue(message)
    last = deliver_email.enqueue(message, len(RETRY_DELAYS_MINUTES) + 1)
    with caplog.at_level(logging.WARNING, logger="directory.email"):
        run_worker()
    records = [r for r in caplog.records if r.name == "directory.email"]
    warning, error = sorted(records, key=lambda r: r.levelno)
    assert warning.levelno == logging.WARNING
    assert first.id in warning.getMessage()
    assert error.levelno == logging.ERROR
    logged = error.getMessage()
    assert last.id in logged
    assert "clinic.test" in logged
    assert "given up" in logged
    for secret in ["pat@", "Pat", "Secret", "mail server down"]:
        assert secret not in logged
        assert secret not in warning.getMessage()
    assert DBTaskResult.objects.get(pk=last.id).status == "FAILED"


@pytest.mark.django_db
def test_the_console_backend_prints_links_whole():
    import io

    from accounts.console import EmailBackend

    link = "http://127.0.0.1:8000/accounts/confirm-email/" + "x" * 90 + "/"
    message = mail.EmailMultiAlternatives(
        subject="Please confirm your email address",
        body=f"Please confirm your email address to finish setting up your account:\n\n{link}\n",
        from_email="directory@example.org",
        to=["new.organiser@example.org"],
    )
    message.attach_alternative(f'<a href="{link}">Confirm</a>', "text/html")
    stream = io.StringIO()
    EmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert f"\n{link}\n" in printed
    assert "To: new.organiser@example.org" in printed
    assert "Subject: Please confirm your email address" in printed
    assert "(also sent as text/html)" in printed


@pytest.mark.django_db
def test_links_in_account_email_start_at_site_url_whatever_the_host(client, organiser, settings):
    settings.SITE_URL = "https://directory.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    host = {"HTTP_HOST": "other.example"}
    client.post("/accounts/password/reset/", {"email": organiser.email}, **host)
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"}, **host)
    client.post("/accounts/signup/", SIGNUP, **host)
    reset, unknown, confirm = mail.outbox
    for message, path in [
        (reset, "/accounts/password/reset/key/"),
        (unknown, "/accounts/signup/"),
        (confirm, "/accounts/confirm-email/"),
    ]:
        body = message.body + message.alternatives[0].content
        assert f"https://directory.example.org{path}" in body
        assert "other.example" not in body
