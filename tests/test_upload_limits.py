"""Issue 13 point 10: the staff upload refuses files over 2 MB or 20,000 rows, and a
header longer than the import format, before the import reads a row; the message points
to `manage.py import_groups`, and nothing is written."""

from __future__ import annotations

import io
import re

import pytest

from exchange import upload_limits
from exchange.views import SESSION_KEY
from groups.importing import ALL_COLUMNS, import_groups
from groups.models import Group

pytestmark = pytest.mark.django_db

HEADER = "name,orientation,conditions,latitude,longitude\n"
ROW = "Headingley Circle,inward,alcohol,53.8195,-1.5755\n"


def upload(client, data: bytes):
    file = io.BytesIO(data)
    file.name = "groups.csv"
    return client.post("/staff/import/", {"file": file})


def assert_refused(response, client, *phrases: str) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    for phrase in phrases:
        assert phrase in html
    assert 'name="token"' not in html, "no dry run to confirm"
    assert SESSION_KEY not in client.session
    assert not Group.objects.exists()
    return html


def test_a_file_over_2_mb_is_refused_pointing_to_the_command(admin_client):
    rows = (upload_limits.MAX_BYTES // len(ROW)) + 1
    data = (HEADER + ROW * rows).encode()
    assert len(data) > 2 * 1024 * 1024

    response = upload(admin_client, data)

    assert_refused(response, admin_client, "larger than 2 MB", "manage.py import_groups FILE")


def test_a_file_of_more_than_20000_rows_is_refused_pointing_to_the_command(admin_client):
    data = (HEADER + "A,inward,alcohol,53.8,-1.5\n" * 20_001).encode()
    assert len(data) < upload_limits.MAX_BYTES

    response = upload(admin_client, data)

    assert_refused(response, admin_client, "more than 20,000 rows", "manage.py import_groups")


def test_a_huge_header_is_refused_with_a_short_page(admin_client):
    data = (",".join(f"c{i}" for i in range(200_000)) + "\n" + ROW).encode()
    assert len(data) < upload_limits.MAX_BYTES

    response = upload(admin_client, data)

    html = assert_refused(response, admin_client, "The first row names 200,000 columns")
    assert len(html) < 50_000


@pytest.mark.parametrize(
    "data, refused",
    [
        ((HEADER + ROW * 20_000).encode(), False),
        # Descriptions over several lines: more lines than rows, still 20,000 rows.
        (
            ("name,description\n" + 'A,"two\nlines"\n' * 20_000).encode(),
            False,
        ),
        ((HEADER + ROW * 20_000 + "\n\n\n").encode(), False),  # blank lines are not rows
        ((HEADER + ROW * 20_001).encode(), True),
        ((",".join(ALL_COLUMNS) + "\n").encode(), False),
        ((",".join([*ALL_COLUMNS, "one_more"]) + "\n").encode(), True),
    ],
    ids=["20000-rows", "multi-line-cells", "blank-lines", "20001-rows", "every-column", "more"],
)
def test_the_limits_count_rows_and_columns_as_the_import_reads_them(data, refused):
    assert (upload_limits.problem(data) is not None) is refused


def test_a_file_within_the_limits_goes_on_to_the_dry_run(admin_client):
    response = upload(admin_client, (HEADER + ROW).encode())

    assert 'name="token"' in response.content.decode()
    assert not Group.objects.exists()


def test_an_upload_too_slow_to_check_is_stopped_with_the_message(admin_client, settings):
    settings.UPLOAD_SECONDS = 0  # as if the file took longer than its time

    response = upload(admin_client, (HEADER + ROW).encode())

    assert_refused(response, admin_client, "takes too long to import on the web", "import_groups")


def test_a_confirmation_too_slow_imports_nothing(admin_client, settings):
    checked = upload(admin_client, (HEADER + ROW).encode()).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', checked).group(1)
    settings.UPLOAD_SECONDS = 0

    response = admin_client.post("/staff/import/confirm/", {"token": token}, follow=True)

    assert "Nothing was imported. This file takes too long" in response.content.decode()
    assert not Group.objects.exists()


def test_stopping_an_import_while_it_saves_writes_nothing(db):
    def stop_at_the_second_save(items, *, total, desc):
        for index, item in enumerate(items):
            if desc == "Saving groups" and index == 1:
                raise upload_limits.TooSlow
            yield item

    with pytest.raises(upload_limits.TooSlow):
        import_groups((HEADER + ROW * 3).encode(), track=stop_at_the_second_save)

    assert not Group.objects.exists()
