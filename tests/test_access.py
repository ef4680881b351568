"""Issue 13 point 1: one map (directory/access.py) says what every URL needs, and every
URL enforces it. The walk covers the whole URL configuration, allauth's and the admin's
included: each pattern is requested anonymously, as a verified organiser, as a superuser
without two-factor, as staff with two-factor but no permissions, and as a superuser with
two-factor."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from directory.access import ACCESS, APPROVE, Need, need_for
from groups.models import Group, Status
from tests.support.urlwalk import Pattern, all_patterns, resolved

pytest_plugins = ["tests.organiser_fixtures"]


def test_every_url_pattern_is_in_the_access_map():
    missing = []
    for pattern in all_patterns():
        _, match = resolved(pattern)
        if match is not None and need_for(match) is None:
            if pattern.view_name is None:
                missing.append(
                    f"{pattern.label}: give it name=... in its urls.py, then add that name "
                    "to ACCESS in directory/access.py"
                )
            else:
                missing.append(
                    f"{pattern.label}: add it to ACCESS in directory/access.py, e.g. "
                    f'"{pattern.view_name}": PUBLIC, (or SIGNED_IN, ORGANISER, '
                    'staff("app.permission"))'
                )
    assert not missing, "URLs missing from the access map:\n" + "\n".join(missing)


def test_the_map_names_no_url_that_does_not_exist():
    names = {p.view_name for p in all_patterns()}
    assert sorted(set(ACCESS) - names) == []


# What each kind of visitor should get: the gate's refusal, or None for the view's answer.
def expected_refusal(need: Need, persona: str) -> str | None:
    if need.who == "public":
        return None
    if persona == "anonymous":
        return "sign_in"
    if need.who in ("signed_in", "organiser"):
        return None
    return {
        "organiser": "not_staff",
        "superuser_without_2fa": "two_factor",
        "staff_without_permissions": "permission" if need.perms else None,
        "superuser": None,
    }[persona]


def sends_to_sign_in(response, path: str) -> bool:
    """A redirect to the sign-in page that comes back to path: login_required's answer."""
    if response.status_code != 302:
        return False
    url = urlsplit(response["Location"])
    return url.path == "/accounts/login/" and parse_qs(url.query).get("next") == [path]


STATUS = {"sign_in": 302, "not_staff": 404, "two_factor": 302, "permission": 403}


@pytest.fixture
def personas(db, make_user) -> dict[str, Client]:
    def client_for(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    superuser = make_user("root@example.org", staff=True)
    superuser.is_superuser = True
    superuser.save()
    bare_superuser = make_user("new.root@example.org", staff=True, totp=False)
    bare_superuser.is_superuser = True
    bare_superuser.save()
    return {
        "anonymous": client_for(),
        "organiser": client_for(make_user("organiser@example.org")),
        "superuser_without_2fa": client_for(bare_superuser),
        "staff_without_permissions": client_for(make_user("staff@example.org", staff=True)),
        "superuser": client_for(superuser),
    }


def check(pattern: Pattern, path: str, need: Need, persona: str, response) -> str | None:
    want = expected_refusal(need, persona)
    got = getattr(response, "access_refused", None)
    where = f"{pattern.label} ({need}) as {persona}"
    if want is None:
        if got is not None:
            return f"{where}: refused ({got}), but the map lets them in"
        # Staff pages with no permission in the map (the admin) check their own.
        own_check = need.who == "staff" and not need.perms
        if (response.status_code == 403 and not own_check) or sends_to_sign_in(response, path):
            return f"{where}: the view refused ({response.status_code}); the map says it is open"
        return None
    if got != want or response.status_code != STATUS[want]:
        return f"{where}: expected the gate's {want!r} refusal, got {got!r} {response.status_code}"
    if want == "sign_in" and not sends_to_sign_in(response, path):
        return f"{where}: sent to {response['Location']}, not to sign in"
    return None


LETTING_IN_CHECKED_ON = {"admin:index"}


def skip(pattern: Pattern, need: Need, persona: str) -> bool:
    """Public pages are asked for anonymously, organisers' pages by organisers too (staff
    are organisers like any other). Under a namespace rule, refusals are checked on every
    pattern, letting in on one (the admin's pages are slow to render and check their own
    model permissions)."""
    if need.who == "public":
        return persona != "anonymous"
    if need.who in ("signed_in", "organiser"):
        return persona not in ("anonymous", "organiser")
    by_namespace = pattern.view_name not in ACCESS
    return (
        by_namespace
        and expected_refusal(need, persona) is None
        and pattern.view_name not in LETTING_IN_CHECKED_ON
    )


def test_every_url_enforces_what_the_map_says(personas):
    problems = []
    for pattern in all_patterns():
        path, match = resolved(pattern)
        if match is None:
            continue
        need = need_for(match)
        assert need is not None, pattern.label
        for persona, client in personas.items():
            if skip(pattern, need, persona):
                continue
            problem = check(pattern, path, need, persona, client.get(path))
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


# --- The findings of point 1, one by one ------------------------------------------------

GOOD_CSV = (
    "name,orientation,conditions,latitude,longitude,meetings\n"
    "Headingley Circle,inward,alcohol,53.8195,-1.5755,Tue 19:00-20:30\n"
)
PUBLISHED_CSV = (
    "name,orientation,conditions,latitude,longitude,status\nX,inward,alcohol,53.8,-1.5,published\n"
)


@pytest.fixture
def staff_client(make_user) -> Callable[..., Client]:
    """A client signed in as staff with two-factor and exactly the permissions given."""

    def make(*perms: str, totp: bool = True) -> Client:
        user = make_user(staff=True, totp=totp)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        client = Client()
        client.force_login(user)
        return client

    return make


def upload(client: Client, text: str = GOOD_CSV, **extra):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = "groups.csv"
    return client.post("/staff/import/", {"file": file, **extra})


def confirm(client: Client, response):
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    return client.post("/staff/import/confirm/", {"token": token})


ALL_IMPORT = ("groups.view_group", "groups.add_group", "groups.change_group", APPROVE)


def test_staff_without_two_factor_can_neither_export_nor_import(staff_client, make_group):
    make_group("A draft", status="draft")
    client = staff_client(*ALL_IMPORT, totp=False)

    export = client.get("/staff/export.csv")
    assert export.status_code == 302
    assert export["Location"].startswith("/accounts/2fa/totp/activate/")
    assert b"A draft" not in export.content
    assert upload(client, publish="on").status_code == 302
    assert not Group.objects.filter(name="Headingley Circle").exists()


def test_staff_without_permissions_can_neither_export_nor_import(staff_client, make_group):
    make_group("A draft", status="draft")
    client = staff_client()

    assert client.get("/staff/export.csv").status_code == 403
    assert client.get("/staff/import/").status_code == 403
    assert upload(client, publish="on").status_code == 403
    assert client.post("/staff/import/confirm/", {"token": "x"}).status_code == 403
    assert not Group.objects.filter(name="Headingley Circle").exists()


def test_the_export_needs_view_group(staff_client, make_group):
    make_group("A draft", status="draft")
    assert staff_client("groups.add_group").get("/staff/export.csv").status_code == 403

    response = staff_client("groups.view_group").get("/staff/export.csv")

    assert response.status_code == 200
    assert "A draft" in response.getvalue().decode()


@pytest.mark.parametrize("perms", [("groups.add_group",), ("groups.change_group",)])
def test_the_import_needs_both_add_and_change(staff_client, perms):
    assert upload(staff_client(*perms)).status_code == 403
    response = upload(staff_client("groups.add_group", "groups.change_group"))
    assert response.status_code == 200
    assert "1 new" in response.content.decode()


def test_publishing_at_once_needs_the_approve_permission(staff_client):
    importer = staff_client("groups.add_group", "groups.change_group")
    assert "Only moderators" in importer.get("/staff/import/").content.decode()

    # "publish" posted by hand is ignored: the group waits for review.
    confirm(importer, upload(importer, publish="on"))
    assert Group.objects.get(name="Headingley Circle").status == Status.PENDING

    moderator = staff_client("groups.add_group", "groups.change_group", APPROVE)
    confirm(moderator, upload(moderator, GOOD_CSV.replace("Headingley", "Leeds"), publish="on"))
    assert Group.objects.get(name="Leeds Circle").status == Status.PUBLISHED


def test_a_status_column_cannot_publish_without_the_approve_permission(staff_client):
    text = PUBLISHED_CSV
    importer = staff_client("groups.add_group", "groups.change_group")

    html = upload(importer, text).content.decode()

    assert "Only moderators" in html
    assert 'name="token"' not in html
    moderator = staff_client("groups.add_group", "groups.change_group", APPROVE)
    confirm(moderator, upload(moderator, text))
    assert Group.objects.get(name="X").status == Status.PUBLISHED


def test_confirming_asks_for_the_permission_again(staff_client, make_user):
    moderator = staff_client("groups.add_group", "groups.change_group", APPROVE)
    checked = upload(moderator, publish="on")
    user = User.objects.get(pk=moderator.session["_auth_user_id"])
    user.user_permissions.remove(Permission.objects.get(codename="approve_listings"))

    confirm(moderator, checked)

    assert not Group.objects.exists()


def run_import(path, *args: str) -> None:
    call_command("import_groups", str(path), *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_the_command_publishes_only_for_a_moderator_named_with_by(tmp_path, make_user):
    path = tmp_path / "groups.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    make_user("staff@example.org", staff=True)
    moderator = make_user("moderator@example.org", staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="approve_listings"))

    with pytest.raises(CommandError, match="--publish needs --by"):
        run_import(path, "--publish")
    with pytest.raises(CommandError, match="approve permission"):
        run_import(path, "--publish", "--by", "staff@example.org")
    assert not Group.objects.exists()

    run_import(path, "--publish", "--by", "moderator@example.org")
    assert Group.objects.get().status == Status.PUBLISHED


def test_the_command_refuses_a_status_column_that_publishes_without_by(tmp_path, db):
    path = tmp_path / "groups.csv"
    path.write_text(PUBLISHED_CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(path)
    assert not Group.objects.exists()


def test_moderation_needs_the_approve_permission(staff_client):
    assert staff_client().get("/moderation/").status_code == 403
    assert staff_client(APPROVE).get("/moderation/").status_code == 200


urlpatterns = [
    path("not-in-the-map/", lambda request: HttpResponse("secret"), name="not-in-the-map"),
    path("", include("directory.urls")),
]


@pytest.mark.urls("tests.test_access")
def test_a_url_missing_from_the_map_answers_404_and_fails_loudly_while_debugging(
    client, settings, db
):
    response = client.get("/not-in-the-map/")
    assert response.status_code == 404
    assert b"secret" not in response.content

    settings.DEBUG = True
    with pytest.raises(ImproperlyConfigured, match='"not-in-the-map": PUBLIC'):
        client.get("/not-in-the-map/")
