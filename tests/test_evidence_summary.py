"""The evidence section of a group's page and the API's group detail (issue 12, points 2 to
5 and 8): certainty lines first, cautions only from records that count, sources and their
age, the review's caveats, background apart; Box 1 in plain words; the results' marker.

Expected values are worked out from the records and the rules, not copied from output."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from evidence import review_words
from evidence.certainty import Level
from evidence.models import EditorsRating, Evidence
from evidence.summary import evidence_json, summarise
from groups.models import Condition, Group, GroupType
from tests.support.hostile import HOSTILE
from tests.test_api import check

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evidence_fixtures"]


def evidence_of(group: Group):
    return summarise(Group.objects.with_cards().get(pk=group.pk))


def section(client, group: Group) -> str:
    response = client.get(group.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="evidence"')
    return html[start : html.index("nhsuk-grid-column-one-third", start)]


def kinds(evidence) -> list[str]:
    return [c.kind for c in evidence.cautions]


def text_of(html: str) -> str:
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


# --- Certainty lines come first -------------------------------------------------------


def test_the_section_opens_with_one_certainty_line_per_condition(client, make_group):
    group = make_group(conditions=("alcohol", "drugs", "gambling", "anxiety"))
    html = section(client, group)
    lines = re.findall(r'<li class="app-certainty__line[^"]*">', html)
    assert len(lines) == 3  # at most three conditions
    first_caution = html.index("app-caution")
    assert html.index("app-certainty") < first_caution
    assert html.index('href="/evidence/how-we-rate/"') < first_caution
    for line in evidence_of(group).lines:
        assert f"{line.level.capitalize()} certainty" in html
        assert line.condition.name in html


def test_a_line_gives_the_level_the_hedged_direction_and_what_it_rests_on(
    client, empty_library, make_group, make_evidence
):
    group = make_group(conditions=("alcohol",), group_type="peer_support")
    trial = make_evidence(
        "Trial, A.", 2019, design="rct", conditions=("alcohol",), sample_size=40,
        main_outcome="days abstinent",
    )  # fmt: skip
    line = evidence_of(group).lines[0]
    assert line.rating.level == Level.LOW  # high, less indirectness (any type), imprecision
    assert line.statement == "Groups like this may help (what was measured: days abstinent)."
    assert "Trial (2019), a randomised controlled trial with 40 participants" in line.rests_on
    assert "indirectness" in line.rests_on and "imprecision" in line.rests_on
    html = text_of(section(client, group))
    assert "Low certainty Alcohol. Groups like this may help" in html
    assert trial.short_citation in html


def test_where_nothing_counts_it_says_so_plainly(client, empty_library, make_group):
    group = make_group(conditions=("gambling",), group_type="twelve_step")
    evidence = evidence_of(group)
    (line,) = evidence.lines
    assert line.rating.level == Level.NONE
    assert line.statement.startswith(
        "The review contains no evidence about groups for gambling problems"
    )
    assert kinds(evidence) == ["thin", "boundaries"]
    assert "The review contains no evidence about groups for gambling problems" in text_of(
        section(client, group)
    )


def test_where_records_exist_but_none_counts_it_says_why(empty_library, make_group, make_evidence):
    make_evidence("Clinic, A.", conditions=("psychosis",), studied="not_mutual_aid")
    make_evidence("Carers, A.", conditions=("psychosis",), audiences=("carers_family",))
    make_evidence("Story, A.", conditions=("psychosis",), kind="descriptive", direction="")
    line = evidence_of(make_group(conditions=("psychosis",))).lines[0]
    assert line.rating.level == Level.NONE
    assert "1 record studied groups that were not mutual aid" in line.statement
    assert "1 record is about carers' groups" in line.statement
    assert "1 record is not an outcome study" in line.statement


# --- Warnings that are true -----------------------------------------------------------


def test_negative_and_mixed_warnings_come_only_from_records_that_count(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("psychosis",), group_type="peer_support")
    make_evidence(
        "Clinic, A.", direction="mixed", conditions=("psychosis",), studied="not_mutual_aid"
    )
    make_evidence("Opinion, A.", kind="opinion", direction="", conditions=("psychosis",))
    assert kinds(evidence_of(group)) == ["thin", "boundaries"]
    harmful = make_evidence(
        "Harm, A.", 2010, direction="negative", conditions=("psychosis",), sample_size=40,
        finding="Members did worse.", main_outcome="relapse",
    )  # fmt: skip
    evidence = evidence_of(group)
    assert kinds(evidence) == ["negative", "thin", "boundaries"]
    caution = evidence.cautions[0]
    assert caution.records == (harmful,)
    assert caution.text.startswith("Harm (2010), a cohort study from the UK with 40 participants.")
    assert "Members did worse. What was measured: relapse." in caution.text


def test_the_pointer_at_the_top_of_the_page_keeps_the_hedge(client, make_group):
    """The callout above the listing points down to the evidence without claiming more
    than it: Bentall et al. (2002) is a possible adverse outcome, of very low certainty."""
    html = client.get(make_group(conditions=("chronic_fatigue_syndrome",)).get_absolute_url())
    html = html.content.decode()
    pointer = html[html.index("app-caution-pointer") : html.index('id="evidence"')]
    pointer = text_of(pointer[: pointer.index("</div>")])
    bentall = Evidence.objects.get(key="bentall-et-al-2002")
    assert f"points to possible worse outcomes: {bentall.short_citation}." in pointer
    assert "reports negative outcomes" not in pointer
    assert "how certain it is" in pointer


def test_a_mixed_line_warns_even_when_no_single_record_is_mixed(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("anxiety",))
    make_evidence("Good, A.", design="rct", sample_size=500, conditions=("anxiety",))
    make_evidence(
        "Null, A.", design="rct", sample_size=500, conditions=("anxiety",), direction="no_effect"
    )
    evidence = evidence_of(group)
    assert evidence.lines[0].rating.direction == "mixed"
    assert "mixed" in kinds(evidence)


def test_the_thin_evidence_warning_shows_whenever_a_line_is_low_very_low_or_none(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("alcohol",), group_type="twelve_step")
    strong = make_evidence(
        design="rct", sample_size=500, conditions=("alcohol",), group_types=("twelve_step",)
    )
    evidence = evidence_of(group)
    assert evidence.lines[0].rating.level == Level.HIGH
    assert "thin" not in kinds(evidence)
    strong.sample_size = 50
    strong.save()
    strong.group_types.clear()  # now low: imprecision and indirectness
    evidence = evidence_of(group)
    assert evidence.lines[0].rating.level == Level.LOW
    assert "thin" in kinds(evidence)


def test_the_harm_reduction_warning_keeps_the_reviews_words(client, make_group):
    group = make_group(conditions=("drugs",), group_type="harm_reduction")
    caution = next(c for c in evidence_of(group).cautions if c.kind == "harm_reduction")
    assert "Members of a harm reduction group may still be using drugs" in caution.text
    assert "anecdotal" in caution.text
    assert review_words.HARM_REDUCTION in caution.text
    assert "formal evaluation of these groups in London" in text_of(section(client, group))
    twelve_step = evidence_of(make_group(conditions=("drugs",), group_type="twelve_step"))
    assert "harm_reduction" not in kinds(twelve_step)


def test_every_group_carries_the_reviews_boundary_point_and_caveats(client, make_group):
    group = make_group()
    assert evidence_of(group).cautions[-1].kind == "boundaries"
    html = text_of(section(client, group))
    assert review_words.BOUNDARIES in html
    for caveat in (
        review_words.PUBLICATION_BIAS,
        review_words.SUBJECTIVE_ONLY,
        review_words.UK_RARE,
        review_words.POOR_QUALITY,
    ):
        assert caveat in html


def test_the_words_the_site_quotes_are_the_reviews_own():
    path = Path(settings.SHARED_DIR) / "background" / "mutual-aid-review.txt"
    if not path.exists():
        pytest.skip("the review is not in SHARED_DIR")
    review = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
    for words in review_words.QUOTED:
        assert words in review, words


def test_the_words_describe_and_never_recommend(make_group):
    for conditions, kind in [
        (("alcohol",), "twelve_step"),
        (("chronic_fatigue_syndrome",), "peer_support"),
        (("drugs",), "harm_reduction"),
        (("gambling",), "faith_based"),
    ]:
        evidence = evidence_of(make_group(conditions=conditions, group_type=kind))
        own_words = [line.statement for line in evidence.lines] + [
            c.text for c in evidence.cautions if c.kind in {"thin", "harm_reduction"}
        ]
        for text in own_words:
            for word in ("recommend", "should", "we suggest", "effective", "proven"):
                assert word not in text.lower(), (word, text)


# --- Records, background, sources ----------------------------------------------------


def test_every_counted_record_is_listed_with_what_it_studied_and_the_rest_is_background(
    client, make_group
):
    group = make_group(conditions=("alcohol",), group_type="twelve_step")
    evidence = evidence_of(group)
    html = section(client, group)
    tables = html[: html.index("app-evidence-background")]
    listed = re.findall(
        r'<th scope="row" class="nhsuk-table__cell"><a href="(/evidence/[^"]+/)">', tables
    )
    assert listed == [c.record.get_absolute_url() for line in evidence.lines for c in line.counted]
    counted = evidence.counted_ids
    background = [r for r in evidence.records if r.pk not in counted]
    assert f"Background ({len(background)})" in html
    for record in background:
        assert record.get_absolute_url() in html[html.index("app-evidence-background") :]
    for record in evidence.records:
        page = client.get(record.get_absolute_url()).content.decode()
        assert escape(record.get_kind_display()) in page


def test_not_mutual_aid_records_are_listed_apart_and_never_as_evidence(
    client, empty_library, make_group, make_evidence
):
    group = make_group(conditions=("psychosis",))
    clinic = make_evidence("Clinic, A.", conditions=("psychosis",), studied="not_mutual_aid")
    evidence = evidence_of(group)
    assert evidence.not_mutual_aid == [clinic]
    assert clinic.pk not in evidence.counted_ids
    html = section(client, group)
    assert "Not mutual aid, so not counted" in html
    assert html.index(clinic.get_absolute_url()) > html.index("app-evidence-background")


def test_the_sources_and_their_dates_are_named(make_group):
    text = evidence_of(make_group(conditions=("alcohol",), group_type="twelve_step")).sources
    assert review_words.REVIEW_AGE in text
    cochrane = Evidence.objects.get(key="kelly-et-al-2020")
    assert f"{cochrane.short_citation}, a systematic review (Cochrane Database" in text
    cfs = evidence_of(make_group(conditions=("chronic_fatigue_syndrome",))).sources
    nice = Evidence.objects.get(key="nice-2021")
    assert f"{nice.short_citation}, a guideline (NICE guideline NG206)" in cfs


# --- Ratings set by hand ------------------------------------------------------------


def test_a_hand_set_rating_says_it_was_set_by_the_editors_with_date_and_reason(
    client, admin_user, make_group
):
    group = make_group(conditions=("alcohol",), group_type="twelve_step")
    rating = EditorsRating.objects.create(
        condition=Condition.objects.get(slug="alcohol"),
        group_type=GroupType.objects.get(slug="twelve_step"),
        level="low",
        reason="The trials mostly tested facilitation in the US.",
        set_on=dt.date(2026, 12, 1),
    )
    line = evidence_of(group).lines[0]
    assert line.rating.level == Level.LOW and line.rating.computed_level == Level.MODERATE
    html = text_of(section(client, group))
    assert (
        "Set by the directory's editors on 1 December 2026: The trials mostly tested "
        "facilitation in the US." in html
    )
    assert admin_user.email not in html and admin_user.username not in html
    rating.level = "very_low"
    rating._history_user = admin_user
    rating.save()
    assert rating.history.first().history_user == admin_user


def test_the_admin_refuses_a_hand_set_rating_no_lower_and_citing_nothing(admin_client):
    alcohol = Condition.objects.get(slug="alcohol")
    twelve_step = GroupType.objects.get(slug="twelve_step")
    form = {
        "condition": alcohol.pk,
        "group_type": twelve_step.pk,
        "level": "high",
        "direction": "",
        "reason": "Newer trials.",
        "set_on": "2026-12-01",
    }
    url = "/admin/evidence/editorsrating/add/"
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "Set a lower rating, or cite the records" in response.content.decode()
    cochrane = Evidence.objects.get(key="kelly-et-al-2020")
    assert admin_client.post(url, {**form, "records": [cochrane.pk]}).status_code == 302
    assert EditorsRating.objects.get().level == "high"


# --- The API ------------------------------------------------------------------------


def test_the_api_detail_carries_certainty_as_openapi_documents_it(client, make_group):
    group = make_group(conditions=("alcohol", "gambling"), group_type="twelve_step")
    data = client.get(f"/api/groups/{group.pk}/").json()
    document = client.get("/api/schema/").json()
    schema = document["paths"]["/api/groups/{id}/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    check(data, schema)
    lines = evidence_of(group).lines
    assert [c["condition"] for c in data["certainty"]] == [line.condition.slug for line in lines]
    alcohol, gambling = data["certainty"]
    assert alcohol["level"] == lines[0].rating.level.slug
    assert alcohol["direction"] == lines[0].rating.direction
    assert {s["id"] for s in alcohol["sources"]} == {c.record.pk for c in lines[0].counted}
    assert alcohol["reasons"]
    assert (gambling["level"], gambling["direction"], gambling["sources"]) == ("none", None, [])
    counted = {r["id"] for r in data["evidence"] if r["counts"]}
    assert counted == evidence_of(group).counted_ids


def test_evidence_json_has_the_fields_the_api_gains(make_group):
    group = Group.objects.with_cards().get(pk=make_group(conditions=("psychosis",)).pk)
    data = evidence_json(group, RequestFactory().get("/api/groups/1/"))
    assert set(data) == {"certainty", "evidence", "evidence_summary", "cautions"}
    # Lecomte et al. studied clinician-run groups: no caution comes from it.
    assert not [c for c in data["cautions"] if c["kind"] in {"negative", "mixed"}]
    lecomte = next(e for e in data["evidence"] if e["citation"].startswith("Lecomte"))
    assert (lecomte["studied"], lecomte["counts"]) == ("not_mutual_aid", False)


# --- The page -----------------------------------------------------------------------


def test_the_group_page_runs_a_fixed_number_of_queries_however_many_studies(
    client, empty_library, make_group, make_evidence
):
    group = make_group(conditions=("alcohol",), audiences=("women",))
    make_evidence("First, A.", conditions=("alcohol",), groups=(group,))
    cache.clear()
    client.get(group.get_absolute_url())

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(group.get_absolute_url()).status_code == 200
        return len(queries)

    one = count()
    for n in range(30):
        make_evidence(
            f"Author{n}, A.",
            2000 + n % 10,
            design=["rct", "cohort", "anecdote"][n % 3],
            direction=["positive", "negative", "mixed"][n % 3],
            conditions=("alcohol",) if n % 2 else (),
            audiences=("women",) if n % 5 == 0 else (),
            groups=(group,) if n % 7 == 0 else (),
        )
    client.get(group.get_absolute_url())  # the library is read into memory again
    assert count() == one


def test_it_escapes_evidence_text_everywhere_it_is_shown(client, make_group, make_evidence):
    group = make_group(conditions=("alcohol",))
    record = make_evidence(
        HOSTILE,
        2001,
        title=HOSTILE,
        venue=HOSTILE,
        finding=HOSTILE,
        country=HOSTILE,
        setting=HOSTILE,
        main_outcome=HOSTILE,
        direction="negative",
        outcome_measures=[HOSTILE],
        conditions=("alcohol",),
        groups=(group,),
    )
    for url in [
        group.get_absolute_url(),
        "/evidence/",
        record.get_absolute_url(),
        f"/evidence/?condition={HOSTILE}",
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
    detail = client.get(record.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail


def test_box_1_is_shown_in_plain_words(client, make_group):
    peer = make_group(leadership="peer_led", group_type="peer_support")
    html = client.get(peer.get_absolute_url()).content.decode()
    assert "Is it a mutual aid group?" in html
    assert "By the review&#x27;s definition (Box 1) this is a mutual aid group" in html
    assert "It is peer-led: people who share the issue run it." in html
    assert "voluntary or community group" in html

    service = make_group(
        leadership="professionally_facilitated", sector="nhs_statutory", group_type="peer_support"
    )
    marks = {m.question: m for m in service.mutual_aid_marks()}
    assert marks["Run by and for people who share the issue"].answer == "no"
    assert marks["Draws mainly on members' shared experience"].answer == "partly"
    assert marks["A voluntary collective, not a statutory or private service"].answer == "no"
    assert (
        "not a mutual aid group in the full sense"
        in client.get(service.get_absolute_url()).content.decode()
    )


def test_the_search_results_marker_snippet(make_group):
    group = make_group("Marked")
    marked = render_to_string(
        "evidence/_caution_marker.html", {"group": group, "caution_group_ids": {group.pk}}
    )
    assert "Negative or mixed evidence" in marked
    assert f'href="{group.get_absolute_url()}#evidence"' in marked
    unmarked = render_to_string(
        "evidence/_caution_marker.html", {"group": group, "caution_group_ids": set()}
    )
    assert unmarked.strip() == ""


# --- Patients never see this section (point 7) ------------------------------------------


def test_no_evidence_text_reaches_the_referral_sheet_or_its_text_version(client, make_group):
    """The sheet is the patient's handout: nothing of the evidence section may reach it."""
    group = make_group("ME support", conditions=("chronic_fatigue_syndrome",))
    evidence = evidence_of(group)
    leaks = [
        "certainty",
        "How we rate evidence",
        "Bentall",
        "Possible adverse outcomes",
        "The evidence is thin",
        review_words.PUBLICATION_BIAS,
        review_words.BOUNDARIES,
        *(line.statement for line in evidence.lines),
        *(caution.text for caution in evidence.cautions),
    ]
    for url in (f"/groups/{group.slug}/referral/", f"/groups/{group.slug}/referral.txt"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = text_of(response.content.decode())
        for words in leaks:
            assert words not in text, (url, words)
