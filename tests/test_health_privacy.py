import io
import logging

import pytest
from django.core.management import call_command

from directory.logging import StripQueryStrings


@pytest.mark.django_db
def test_healthz_answers_json_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_search_urls_never_leave_the_site(client):
    assert client.get("/?near=LS6").headers["Referrer-Policy"] == "same-origin"


def test_server_logs_never_record_query_strings():
    handler = logging.getLogger("django.server").handlers[0]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', "GET /?near=LS6+3HN&condition=alcohol HTTP/1.1", "200", "1234"
        )
    finally:
        handler.setStream(old)
    line = stream.getvalue()
    assert "GET / HTTP/1.1" in line
    assert "LS6" not in line and "near=" not in line


@pytest.mark.parametrize(
    "logged",
    [
        '"GET /?x="&near=LS6+3HN HTTP/1.1" 200 1',
        "Bad request syntax ('GET /?near=LS6 3HN HTTP/1.1')",
        'Not Found: /api/groups/?near=LS6"3HN&radius_km=abc',
    ],
)
def test_a_query_string_with_quotes_or_spaces_is_stripped_whole(logged):
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, logged, None, None)
    StripQueryStrings().filter(record)
    assert "3HN" not in record.getMessage()
    assert "?" not in record.getMessage()


def test_gunicorn_access_log_has_no_query_string():
    import runpy
    from pathlib import Path

    config = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))
    fmt = config["access_log_format"]
    assert "%(U)s" in fmt
    assert "%(q)s" not in fmt and "%(r)s" not in fmt


@pytest.mark.django_db
def test_no_model_changes_are_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
