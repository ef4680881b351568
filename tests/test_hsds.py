"""The Open Referral HSDS 3.0 API and the tabular export (issue 5, points 3 and 4).

Every service of the demo data is checked against the compiled HSDS schema with
additional properties forbidden everywhere, as the Open Referral project checks its own
examples: `compiletojsonschema --set-additional-properties-false-everywhere`, then
`check-jsonschema`.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from exchange import hsds
from groups.importing import FORMULA_START, unguard_cell
from groups.models import Group
from tests.support.demo import load_demo
from tests.support.legacy import legacy_values

pytestmark = pytest.mark.django_db

BIN = Path(sys.executable).parent
HSDS_DIR = Path(settings.SHARED_DIR) / "data" / "hsds"


def strict_schema(name: str, directory: Path) -> Path:
    path = directory / f"{name}.strict.json"
    if not path.exists():
        compiled = subprocess.run(
            [
                str(BIN / "compiletojsonschema"),
                "--set-additional-properties-false-everywhere",
                str(HSDS_DIR / f"{name}.json"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        path.write_text(compiled.stdout, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def schemas(tmp_path_factory):
    if not (HSDS_DIR / "service.json").exists():
        pytest.skip(f"No HSDS schemas in {HSDS_DIR} (set SHARED_DIR)")
    directory = tmp_path_factory.mktemp("hsds-schemas")
    return lambda name: strict_schema(name, directory)


def check(schema: Path, documents: list[dict], tmp_path: Path) -> subprocess.CompletedProcess:
    files = []
    for index, document in enumerate(documents):
        path = tmp_path / f"doc-{index:04d}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        files.append(str(path))
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--schemafile", str(schema), *files],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def demo(db):
    load_demo()
    return Group.objects.published()


def get_all(client, url: str) -> list[dict]:
    items, page = [], 1
    while True:
        data = client.get(url, {"page": page, "per_page": 25}).json()
        items += data["contents"]
        if data["last_page"]:
            return items
        page += 1


def test_every_demo_service_passes_the_strict_hsds_schema(client, demo, schemas, tmp_path):
    listed = get_all(client, "/api/hsds/services/")
    assert len(listed) == demo.count() >= 60
    documents = [client.get(f"/api/hsds/services/{item['id']}").json() for item in listed]

    result = check(schemas("service"), documents, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    # Each part of the mapping is there to be checked.
    assert all(d["schedules"] for d in documents if d["name"].startswith("Headingley"))
    assert any(d["service_at_locations"] for d in documents)
    assert all(d["attributes"] for d in documents)


def test_the_list_and_organizations_pass_their_strict_schemas(client, demo, schemas, tmp_path):
    listed = get_all(client, "/api/hsds/services/")
    organizations = [
        client.get(f"/api/hsds/organizations/{item['organization_id']}").json()
        for item in listed[:20]
    ]

    assert check(schemas("service_list"), listed, tmp_path / "l").returncode == 0
    result = check(schemas("organization"), organizations, tmp_path / "o")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(autouse=True)
def _subdirs(tmp_path):
    for name in ("l", "o"):
        (tmp_path / name).mkdir(exist_ok=True)


def test_the_strict_schema_catches_an_unknown_property(client, published_group, schemas, tmp_path):
    document = client.get(f"/api/hsds/services/{hsds.service_id(published_group)}").json()
    document["schedules"][0]["timezone_name"] = "Europe/London"

    result = check(schemas("service"), [document], tmp_path)

    assert result.returncode == 1
    assert "timezone_name" in result.stdout


def test_it_pages_as_the_open_referral_api_does(client, make_group):
    for n in range(5):
        make_group(f"Group {n}")
    make_group("Hidden", status="pending")

    first = client.get("/api/hsds/services/", {"per_page": 2})
    last = client.get("/api/hsds/services/", {"per_page": 2, "page": 3}).json()
    beyond = client.get("/api/hsds/services/", {"per_page": 2, "page": 4}).json()

    assert first["Access-Control-Allow-Origin"] == "*"
    page = first.json()
    assert {k: v for k, v in page.items() if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    assert (last["size"], last["first_page"], last["last_page"], last["empty"]) == (
        1,
        False,
        True,
        False,
    )
    assert (beyond["contents"], beyond["empty"]) == ([], True)
    assert "Hidden" not in {s["name"] for s in page["contents"] + last["contents"]}


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_it_rejects_a_bad_page(client, db, value):
    response = client.get("/api/hsds/services/", {"page": value})
    assert response.status_code == 400
    assert "page" in response.json()["errors"]


def test_ids_are_uuids_stable_across_requests(client, published_group):
    one = client.get("/api/hsds/services/", {"full": "true"}).json()["contents"][0]
    two = client.get("/api/hsds/services/", {"full": "true"}).json()["contents"][0]

    assert one == two
    assert uuid.UUID(one["id"]).version == 5
    assert one["id"] == hsds.service_id(published_group)
    assert one["organization_id"] == one["organization"]["id"]


def test_it_maps_a_group_to_a_service(client, published_group):
    service = client.get(f"/api/hsds/services/{hsds.service_id(published_group)}").json()

    assert service["name"] == "Headingley Recovery Circle"
    assert service["assured_date"] == published_group.last_verified.isoformat()
    assert service["url"] == f"http://testserver/groups/{published_group.slug}/"
    assert service["email"] == "headingley@example.org"
    assert service["phones"][0]["number"] == "0113 496 0000"
    assert {lang["code"] for lang in service["languages"]} == {"en", "bfi"}
    location = service["service_at_locations"][0]["location"]
    assert location["location_type"] == "physical"
    assert (location["latitude"], location["longitude"]) == (53.8195, -1.5755)
    assert location["addresses"][0]["postal_code"] == "LS6 1AA"


def test_schedules_carry_the_recurrence_and_say_times_are_uk_local(client, make_group):
    group = make_group(
        meetings="Tue 19:00-20:30; alt Wed 14:00-15:30 from 2026-01-07; alt Thu 10:00-11:00; "
        "2nd Mon 18:00-19:30; last Fri 19:00-20:30 (Bring a friend)"
    )
    service = client.get(f"/api/hsds/services/{hsds.service_id(group)}").json()
    rules = {
        (s["freq"], s["interval"], s["byday"], s["opens_at"], s["closes_at"], s.get("dtstart"))
        for s in service["schedules"]
    }

    assert (
        "WEEKLY",
        1,
        "TU",
        "19:00",
        "20:30",
        group.meetings.get(weekday=1).next_date(group.last_verified).isoformat(),
    ) in rules
    assert ("WEEKLY", 2, "WE", "14:00", "15:30", "2026-01-07") in rules
    assert ("WEEKLY", 2, "TH", "10:00", "11:00", None) in rules
    assert any(r[:3] == ("MONTHLY", 1, "2MO") for r in rules)
    assert any(r[:3] == ("MONTHLY", 1, "-1FR") for r in rules)
    for schedule in service["schedules"]:
        assert "timezone" not in schedule
        assert "UK local time" in schedule["description"]
    assert {s.get("notes") for s in service["schedules"]} >= {"Bring a friend"}


def test_attributes_point_at_our_published_taxonomy_terms(client, make_group):
    group = make_group(
        conditions=("alcohol", "gambling"), audiences=("women",), group_type="twelve_step"
    )
    service = client.get(f"/api/hsds/services/{hsds.service_id(group)}").json()
    terms = {t["id"]: t for t in get_all(client, "/api/hsds/taxonomy_terms/")}
    taxonomies = {t["id"] for t in get_all(client, "/api/hsds/taxonomies/")}

    linked = {(a["link_type"], a["taxonomy_term"]["code"]) for a in service["attributes"]}
    assert linked == {
        ("condition", "alcohol"),
        ("condition", "gambling"),
        ("orientation", "inward"),
        ("group_type", "twelve_step"),
        ("audience", "women"),
    }
    for attribute in service["attributes"]:
        assert attribute["link_id"] == service["id"]
        assert attribute["taxonomy_term_id"] in terms
        assert terms[attribute["taxonomy_term_id"]]["taxonomy_id"] in taxonomies
        detail = client.get(f"/api/hsds/taxonomy_terms/{attribute['taxonomy_term_id']}").json()
        assert detail["code"] == attribute["taxonomy_term"]["code"]


def test_it_filters_services_by_taxonomy_term(client, make_group):
    make_group("Drinkers", conditions=("alcohol",))
    make_group("Gamblers", conditions=("gambling",))
    term = hsds.Term(hsds.CONDITIONS, "gambling", "", "")

    page = client.get("/api/hsds/services/", {"taxonomy_term_id": term.id}).json()

    assert [s["name"] for s in page["contents"]] == ["Gamblers"]


def test_unknown_and_unpublished_services_are_not_found(client, make_group):
    hidden = make_group(status="pending")
    for url in (
        f"/api/hsds/services/{hsds.service_id(hidden)}",
        f"/api/hsds/organizations/{hsds.organization_id(hidden)}",
        "/api/hsds/services/not-a-uuid",
        f"/api/hsds/taxonomy_terms/{uuid.uuid4()}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Access-Control-Allow-Origin"] == "*"


def schema_tables() -> dict[str, set[str]]:
    """Each HSDS table (as its CSV file name) and its one-to-one fields."""
    found: dict[str, set[str]] = {}

    def walk(node):
        if isinstance(node, dict):
            if "path" in node and "properties" in node:
                found.setdefault(node["path"], set()).update(
                    k
                    for k, v in node["properties"].items()
                    if v.get("type") not in ("array", "object")
                )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in ("service", "organization"):
        walk(json.loads((HSDS_DIR / f"{name}.json").read_text(encoding="utf-8")))
    return found


def test_export_hsds_writes_the_tabular_data_package(client, demo, schemas, tmp_path):
    out = tmp_path / "package"
    call_command(
        "export_hsds", str(out), "--base-url", "https://directory.example.org", stdout=io.StringIO()
    )

    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    known = schema_tables()
    names = {r["path"] for r in package["resources"]}
    assert {
        "services.csv",
        "organizations.csv",
        "schedules.csv",
        "locations.csv",
        "attributes.csv",
        "taxonomy_terms.csv",
        "taxonomies.csv",
        "service_at_location.csv",
    } <= names
    for resource in package["resources"]:
        with (out / resource["path"]).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        fields = [field["name"] for field in resource["schema"]["fields"]]
        if rows:
            assert list(rows[0]) == fields
        assert set(fields) <= known[resource["path"]], resource["path"]
        assert len({row["id"] for row in rows}) == len(rows), resource["path"]
    with (out / "services.csv").open(encoding="utf-8", newline="") as f:
        services = list(csv.DictReader(f))
    assert len(services) == demo.count()
    api_ids = {s["id"] for s in get_all(client, "/api/hsds/services/")}
    assert {s["id"] for s in services} == api_ids
    assert all(s["url"].startswith("https://directory.example.org/groups/") for s in services)


def read_table(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_tabular_package_guards_text_against_spreadsheet_formulas(
    make_group, schemas, tmp_path
):
    """Issue 13 point 9: string cells that a spreadsheet would run as a formula get the
    CSV export's guard (a leading '); numbers and dates are exempt. The rows still pass
    the strict HSDS schemas."""
    group = make_group(meetings="Tue 19:00-20:30 (note)", phone="0113 496 0000")
    legacy_values(
        group,
        name='=HYPERLINK("https://evil.example","Click")',
        summary="+1+2",
        description="@SUM(A1:A9)",
        cost="-2+3",
        note="=1+1",
        access_notes="\tTab first",
    )
    out = tmp_path / "package"
    call_command("export_hsds", str(out), stdout=io.StringIO())

    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        types = {field["name"]: field["type"] for field in resource["schema"]["fields"]}
        for row in read_table(out, resource["name"]):
            for column, cell in row.items():
                if types[column] == "string":
                    assert not cell.startswith(FORMULA_START), (resource["name"], column, cell)
    (service,) = read_table(out, "services")
    assert service["name"] == '\'=HYPERLINK("https://evil.example","Click")'
    assert unguard_cell(service["fees_description"]) == "-2+3"
    (schedule,) = read_table(out, "schedules")
    assert schedule["notes"] == "'=1+1"
    (location,) = read_table(out, "locations")
    assert float(location["longitude"]) == group.longitude < 0, "numbers are not guarded"

    documents = {
        name: [{k: v for k, v in row.items() if v} for row in read_table(out, table)]
        for name, table in (("service", "services"), ("organization", "organizations"))
    }
    for name, rows in documents.items():
        result = check(schemas(name), rows, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
