"""The evidence and gap map at /evidence/map/ (issue 8, point 1)."""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter, defaultdict
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.certainty import Level, RecordFacts, rate_record
from evidence.gap_map import build_gap_map
from evidence.models import DESIGN_ORDER, GENERAL_CONDITION, OUTCOME_KINDS, Evidence
from groups.models import Audience, Condition, GroupType

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evidence_fixtures"]

DIRECTIONS = ["positive", "mixed", "negative", "inconclusive", "no_effect"]


def numbers_table(html: str) -> dict[tuple[str, str], dict]:
    """The page's table of numbers: (row key, column key) -> what its row says."""
    table = {}
    for key, body in re.findall(
        r'<tr class="nhsuk-table__row" data-cell="([^"]+)">(.*?)</tr>', html, re.S
    ):
        row, column = key.split(":")
        cells = [
            re.sub(r"<[^>]+>", "", html_lib.unescape(cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        ]
        link = re.search(r'<a href="([^"]+)">', body)
        table[row, column] = {
            "studies": int(re.match(r"\d+", cells[0])[0]),
            "certainty": cells[1],
            "design": cells[2],
            "directions": dict(zip(DIRECTIONS, map(int, cells[3:]), strict=True)),
            "url": html_lib.unescape(link[1]),
        }
    return table


def listed_keys(client, url: str) -> set[str]:
    keys: set[str] = set()
    page = 1
    while True:
        response = client.get(f"{url}{'&' if '?' in url else '?'}page={page}")
        assert response.status_code == 200, url
        found = re.findall(
            r'<th scope="row" class="nhsuk-table__cell"><a href="/evidence/([^"/]+)/">',
            response.content.decode(),
        )
        keys |= set(found)
        if "nhsuk-pagination__link--next" not in response.content.decode():
            return keys
        page += 1


def expected_cells(records) -> dict[tuple[str, str], list[Evidence]]:
    """Where each record that counts belongs, worked out independently of evidence.gap_map."""
    cells: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    for record in records:
        if record.kind not in OUTCOME_KINDS or record.studied == "not_mutual_aid":
            continue
        conditions = {c.slug for c in record.conditions.all()}
        rows = conditions - {GENERAL_CONDITION}
        if not conditions or GENERAL_CONDITION in conditions:
            rows.add("general")
        columns = {t.slug for t in record.group_types.all()} or {"general"}
        for row in rows:
            for column in columns:
                cells[row, column].append(record)
    return cells


# --- Counts against the records -----------------------------------------------------


def test_it_counts_the_studies_designs_and_outcomes_of_each_cell(
    client, empty_library, make_evidence
):
    make_evidence(
        "A, A.",
        design="cohort",
        direction="positive",
        conditions=("alcohol",),
        group_types=("twelve_step",),
    )
    make_evidence(
        "B, B.",
        design="rct",
        direction="mixed",
        conditions=("alcohol",),
        group_types=("twelve_step",),
    )
    make_evidence(
        "C, C.",
        design="anecdote",
        direction="negative",
        conditions=("alcohol",),
        group_types=("twelve_step",),
    )
    make_evidence(
        "D, D.",
        design="qualitative",
        direction="positive",
        conditions=("alcohol", "drugs"),
        group_types=("twelve_step", "peer_support"),
    )
    make_evidence(
        "E, E.",
        direction="negative",
        conditions=("chronic_fatigue_syndrome",),
        group_types=("peer_support",),
        published=False,
    )
    clinic = make_evidence(
        "Clinic, F.", conditions=("psychosis",), group_types=("peer_support",),
        studied="not_mutual_aid",
    )  # fmt: skip
    opinion = make_evidence(
        "Opinion, G.", conditions=("alcohol",), group_types=("twelve_step",), kind="opinion",
        direction="",
    )  # fmt: skip

    table = numbers_table(client.get("/evidence/map/").content.decode())

    assert table["alcohol", "twelve_step"] == {
        "studies": 4,
        "certainty": "Moderate",  # the trial starts high; its size is not reported
        "design": "Randomised controlled trial",
        "directions": {
            "positive": 2, "mixed": 1, "negative": 1, "inconclusive": 0, "no_effect": 0,
        },
        "url": "/evidence/?condition=alcohol&group_type=twelve_step&counts=yes",
    }  # fmt: skip
    # A record about two conditions and two types is counted in each of their four cells.
    for cell in [("alcohol", "peer_support"), ("drugs", "twelve_step"), ("drugs", "peer_support")]:
        assert table[cell]["studies"] == 1
        assert table[cell]["design"] == "Qualitative study"
        assert table[cell]["directions"]["positive"] == 1
    # Unpublished records and records that do not count are not counted; every other cell
    # is a gap. The records that do not count are listed apart.
    assert set(table) == {
        ("alcohol", "twelve_step"),
        ("alcohol", "peer_support"),
        ("drugs", "twelve_step"),
        ("drugs", "peer_support"),
    }
    gap_map = build_gap_map()
    assert (gap_map.not_mutual_aid, gap_map.background) == ([clinic], [opinion])


def test_general_records_get_their_own_row_and_column_and_no_other_cell(
    client, empty_library, make_evidence
):
    make_evidence("NoCondition, A.", conditions=(), group_types=("twelve_step",))
    make_evidence("Wellbeing, B.", conditions=(GENERAL_CONDITION,), group_types=("peer_support",))
    make_evidence("AnyType, C.", conditions=("psychosis",), group_types=())
    make_evidence("Everything, D.", conditions=(), group_types=(), direction="no_effect")
    make_evidence(
        "Both, E.", conditions=(GENERAL_CONDITION, "offending"), group_types=("advocacy",)
    )

    gap_map = build_gap_map()
    counts = {(c.row.key, c.column.key): c.count for c in gap_map.filled}

    assert counts == {
        ("general", "twelve_step"): 1,
        ("general", "peer_support"): 1,
        ("psychosis", "general"): 1,
        ("general", "general"): 1,
        ("general", "advocacy"): 1,
        ("offending", "advocacy"): 1,
    }
    assert gap_map.total == 5
    # The general row and column are the last, and general_wellbeing is no row of its own.
    assert gap_map.rows[-1].key == "general" and gap_map.rows[-1].is_general
    assert gap_map.columns[-1].key == "general" and gap_map.columns[-1].is_general
    assert GENERAL_CONDITION not in [row.key for row in gap_map.rows]
    assert len(gap_map.rows) == Condition.objects.count()  # less general_wellbeing, plus general
    assert len(gap_map.columns) == GroupType.objects.count() + 1

    html = client.get("/evidence/map/").content.decode()
    assert ">Mental health in general</th>" in html
    assert "<span>Groups in general</span></th>" in html


def test_the_review_evidence_is_mapped_record_by_record(client):
    """Every cell of the map built from the review's 57 records, against the records."""
    records = list(Evidence.objects.published().prefetch_related("conditions", "group_types"))
    expected = expected_cells(records)

    table = numbers_table(client.get("/evidence/map/").content.decode())

    assert set(table) == set(expected)
    for cell, members in expected.items():
        assert table[cell]["studies"] == len(members), cell
        strongest = next(d for d in DESIGN_ORDER if d in {r.design for r in members})
        assert table[cell]["design"] == Evidence(design=strongest).get_design_display(), cell
        directions = Counter(r.outcome_direction or "none" for r in members)
        assert table[cell]["directions"] == {d: directions[d] for d in DIRECTIONS}, cell
    counting = sum(len(members) > 0 for members in [[r] for r in records if r.may_count])
    assert f"{counting} studies that count, in " in client.get("/evidence/map/").content.decode()


def test_each_cell_links_to_a_library_list_of_exactly_its_studies(client):
    records = list(Evidence.objects.published().prefetch_related("conditions", "group_types"))
    expected = expected_cells(records)
    table = numbers_table(client.get("/evidence/map/").content.decode())

    for cell, row in table.items():
        assert listed_keys(client, row["url"]) == {r.key for r in expected[cell]}, row["url"]
    # The corner: mental health in general, groups of any type.
    corner = build_gap_map().grid[-1][1][-1]
    assert corner.url == "/evidence/?condition=general&group_type=general&counts=yes"


def test_the_chronic_fatigue_studies_show_as_negative(client):
    table = numbers_table(client.get("/evidence/map/").content.decode())
    cell = table["chronic_fatigue_syndrome", "general"]
    records = (
        Evidence.objects.published()
        .counting()
        .filter(conditions__slug="chronic_fatigue_syndrome", group_types=None)
    )
    assert cell["studies"] == records.count()
    assert cell["directions"]["negative"] == records.filter(outcome_direction="negative").count()
    assert cell["directions"]["negative"] >= 1  # Bentall et al. (2002)
    # Carelsen (2003) is an account, not an outcome: it is listed apart, not counted.
    assert "carelsen-2003" not in {r.key for r in records}


def test_each_square_shows_its_certainty_by_the_rating_rules(client):
    records = list(
        Evidence.objects.published().prefetch_related(
            "conditions", "group_types", "audiences", "groups"
        )
    )
    table = numbers_table(client.get("/evidence/map/").content.decode())
    for cell, members in expected_cells(records).items():
        top = max(rate_record(RecordFacts.of(r)).level for r in members)
        assert table[cell]["certainty"] == top.label.capitalize(), cell
    assert table["alcohol", "twelve_step"]["certainty"] == Level.MODERATE.label.capitalize()


def test_background_and_not_mutual_aid_records_are_listed_apart(client):
    html = client.get("/evidence/map/").content.decode()
    apart = html[html.index('id="apart"') :]
    published = Evidence.objects.published()
    for record in published.filter(studied="not_mutual_aid"):
        assert record.get_absolute_url() in apart
    not_counting = published.exclude(pk__in=published.counting().values("pk"))
    for record in not_counting:
        assert record.get_absolute_url() in apart, record.key
    map_part = html[: html.index('id="apart"')]
    for record in not_counting:
        assert f"/evidence/{record.key}/" not in map_part


def test_the_library_filters_by_general_condition_and_general_type(
    client, empty_library, make_evidence
):
    none = make_evidence("None, A.", conditions=(), group_types=())
    wellbeing = make_evidence(
        "Wellbeing, B.", conditions=(GENERAL_CONDITION, "anxiety"), group_types=("peer_support",)
    )
    specific = make_evidence("Specific, C.", conditions=("alcohol",), group_types=("twelve_step",))

    assert listed_keys(client, "/evidence/?condition=general") == {none.key, wellbeing.key}
    assert listed_keys(client, "/evidence/?group_type=general") == {none.key}
    assert listed_keys(client, "/evidence/?condition=anxiety") == {wellbeing.key}
    assert listed_keys(client, "/evidence/?condition=alcohol&group_type=twelve_step") == {
        specific.key
    }
    html = client.get("/evidence/", {"condition": "general"}).content.decode()
    assert '<option value="general" selected>Mental health in general' in html


# --- The audience filter ------------------------------------------------------------


def test_the_audience_filter_maps_only_studies_about_that_audience(client):
    carers = Audience.objects.get(slug="carers_family")
    about_carers = list(
        Evidence.objects.published()
        .counting()
        .filter(audiences=carers)
        .prefetch_related("conditions", "group_types")
    )
    assert about_carers, "the review has studies about carers"

    response = client.get("/evidence/map/", {"audience": "carers_family"})

    assert response.status_code == 200
    html = response.content.decode()
    table = numbers_table(html)
    expected = expected_cells(about_carers)
    assert {cell: row["studies"] for cell, row in table.items()} == {
        cell: len(members) for cell, members in expected.items()
    }
    assert f"{len(about_carers)} stud" in html and "about carers and family" in html
    assert '<option value="carers_family" selected>' in html
    for cell, row in table.items():
        assert parse_qs(urlsplit(row["url"]).query)["audience"] == ["carers_family"]
        assert listed_keys(client, row["url"]) == {r.key for r in expected[cell]}


@pytest.mark.parametrize("slug", ["professionals", "young_people"])
def test_other_audiences_filter_the_map_too(client, slug):
    audience = Audience.objects.get(slug=slug)
    count = Evidence.objects.published().counting().filter(audiences=audience).count()
    assert build_gap_map(audience).total == count
    html = client.get("/evidence/map/", {"audience": slug}).content.decode()
    assert f"{count} stud" in html


def test_an_audience_with_no_studies_says_so(client, empty_library, make_evidence):
    make_evidence(audiences=("women",))
    html = client.get("/evidence/map/", {"audience": "older_people"}).content.decode()
    assert "The library holds no study that counts about older people yet." in html


def test_an_unknown_audience_is_an_error_not_a_crash(client):
    response = client.get("/evidence/map/", {"audience": "martians"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and 'href="#id_audience"' in html
    assert "app-gap-map__cell" not in html


# --- The page -----------------------------------------------------------------------


def test_the_page_is_a_table_with_a_caption_headers_and_a_key(client):
    html = client.get("/evidence/map/").content.decode()
    assert html.count("<caption") == 2
    assert html.count('<th scope="col" class="app-gap-map__column') == GroupType.objects.count() + 1
    assert (
        html.count('<th scope="row" class="app-gap-map__row-header">') == Condition.objects.count()
    )
    for shape in [
        "triangle up",
        "triangle down",
        "half-filled diamond",
        "hollow circle",
        "dotted circle",
    ]:
        assert shape in html
    # A cell's link says in words what its symbols show.
    assert (
        "Chronic fatigue syndrome (ME/CFS), groups in general: "
        "1 study, very low certainty, strongest design cohort study; 1 negative" in html
    )
    # Nothing is fetched from anywhere else.
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<footer")[0])


def test_the_library_links_to_the_map(client):
    html = client.get("/evidence/").content.decode()
    assert 'href="/evidence/map/"' in html


def test_it_counts_in_a_fixed_number_of_queries(empty_library, make_evidence):
    make_evidence("A, A.", conditions=("alcohol",), group_types=("twelve_step",))

    def count(audience=None) -> int:
        with CaptureQueriesContext(connection) as queries:
            build_gap_map(audience)
        return len(queries)

    one = count()
    for n in range(30):
        make_evidence(
            f"N{n}, A.",
            conditions=("alcohol", "drugs"),
            group_types=("peer_support",),
            audiences=("women",),
        )
    assert count() == one
    assert build_gap_map().total == 31
    women = Audience.objects.get(slug="women")
    assert count(women) == one
    assert build_gap_map(women).total == 30
