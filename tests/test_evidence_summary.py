"""The evidence summary and cautions on a group's page and in the API, as a clinician
reads them; Box 1 in plain words; the search results' marker."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from evidence.models import Evidence
from evidence.summary import evidence_json, summarise
from groups.models import Group
from tests.support.hostile import HOSTILE

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evidence_fixtures"]


def evidence_of(group: Group):
    return summarise(Group.objects.with_cards().get(pk=group.pk))


def page(client, group: Group) -> str:
    response = client.get(group.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def kinds(evidence) -> list[str]:
    return [c.kind for c in evidence.cautions]


# --- The "done when" --------------------------------------------------------


def test_a_chronic_fatigue_group_shows_the_caution_with_its_citation_first(client, make_group):
    group = make_group("ME support", conditions=("chronic_fatigue_syndrome",))
    html = page(client, group)
    section = html[html.index('id="evidence"') :]
    caution = section.index("Negative evidence")
    assert caution < section.index("<h3>Summary</h3>")
    assert "Bentall et al. (2002), a cohort study from the UK with 95 participants" in section
    assert "membership of a self-help group predicted a poor response" in section
    assert "Carelsen (2003)" in section
    assert 'href="/evidence/bentall-et-al-2002/"' in section
    # And prominently near the top of the page, before the section itself.
    assert html.index("Some evidence about groups like this one reports negative outcomes") < (
        html.index('id="evidence"')
    )

    data = evidence_json(Group.objects.with_cards().get(pk=group.pk), RequestFactory().get("/"))
    bentall = Evidence.objects.get(key="bentall-et-al-2002")
    negative = [c for c in data["cautions"] if c["kind"] == "negative"]
    assert negative[0]["evidence"] == [bentall.pk]
    assert "Bentall et al. (2002)" in negative[0]["text"]


def test_every_study_counted_in_a_summary_is_listed_and_has_a_library_page(client, make_group):
    group = make_group(conditions=("alcohol",), group_type="twelve_step")
    evidence = evidence_of(group)
    html = page(client, group)
    start = html.index('id="evidence"')
    section = html[start : html.index("nhsuk-grid-column-one-third", start)]
    listed = re.findall(
        r'<th scope="row" class="nhsuk-table__cell"><a href="(/evidence/[^"]+/)">', section
    )
    assert listed == [r.get_absolute_url() for r in evidence.records]
    for record in evidence.records:
        library_page = client.get(record.get_absolute_url()).content.decode()
        assert record.get_design_display() in library_page
        assert record.get_outcome_direction_display() in library_page


# --- Wording for mixes of evidence --------------------------------------------------


def test_designs_are_named_strongest_first(empty_library, make_group, make_evidence):
    group = make_group(conditions=("alcohol",))
    for design in [
        "other",
        "anecdote",
        "case_study",
        "action_research",
        "qualitative",
        "cross_sectional_survey",
        "review",
        "before_after",
        "cohort",
        "non_randomised_controlled",
        "rct",
        "meta_analysis",
    ]:
        make_evidence(f"{design}, A.", design=design, conditions=("alcohol",))
    assert (
        "1 meta-analysis, 1 randomised controlled trial, 1 non-randomised controlled study, "
        "1 cohort study, 1 before-and-after study, 1 review, 1 cross-sectional survey, "
        "1 qualitative study, 1 action research study, 1 case study, 1 anecdotal report and "
        "1 report whose design the review does not give; all 12 report positive outcomes."
    ) in evidence_of(group).text


def test_it_says_so_when_none_of_the_evidence_is_from_the_uk(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("alcohol",))
    make_evidence(conditions=("alcohol",), country="US")
    make_evidence(conditions=("alcohol",), country="US and Canada")
    make_evidence(conditions=("alcohol",), country="")
    assert evidence_of(group).text.endswith(
        "By country: 2 from the US and 1 from Canada (a study can cover more than one "
        "country); 1 does not say where. None is from the UK."
    )


def test_scotland_counts_as_the_uk_and_unknown_countries_are_not_guessed(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("eating_disorders",))
    make_evidence(conditions=("eating_disorders",), country="UK (Scotland)")
    assert evidence_of(group).text.endswith("By country: 1 from the UK.")
    Evidence.objects.update(country="")
    assert evidence_of(group).text.endswith(
        "It does not say where it was done, so it is not known to be from the UK."
    )


def test_when_nothing_matches_it_says_so_plainly(client, empty_library, make_group):
    group = make_group(conditions=("gambling",), group_type="faith_based")
    evidence = evidence_of(group)
    assert evidence.text == (
        "No study or report in the evidence library matches this kind of group (faith-based "
        "group) for gambling: the library holds no evidence about groups like it, for or "
        "against."
    )
    assert kinds(evidence) == ["thin", "boundaries"]
    assert evidence.cautions[0].records == ()
    html = page(client, group)
    assert "No study or report in the evidence library matches this kind of group" in html
    assert "The evidence is thin" in html


def test_the_summary_describes_and_never_recommends(make_group):
    for conditions, kind in [
        (("alcohol",), "twelve_step"),
        (("chronic_fatigue_syndrome",), "peer_support"),
        (("drugs",), "harm_reduction"),
        (("gambling",), "faith_based"),
    ]:
        evidence = evidence_of(make_group(conditions=conditions, group_type=kind))
        own_words = [evidence.text] + [
            c.text for c in evidence.cautions if c.kind not in {"negative", "mixed"}
        ]
        for text in own_words:
            for word in ("recommend", "should", "we suggest", "effective", "proven"):
                assert word not in text.lower(), (word, text)


# --- Cautions -----------------------------------------------------------------------


def test_negative_and_mixed_evidence_are_cautions_naming_authors_and_year(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("psychosis",), group_type="educational")
    mixed = make_evidence(
        "Lecomte, T., Cyr, M., & Lesage, A.D.",
        1999,
        design="rct",
        direction="mixed",
        conditions=("psychosis",),
        country="Canada",
        finding="Gains faded by six months.",
    )
    negative = make_evidence(
        "Harm, A.", 2010, direction="negative", sample_size=40, finding="Members did worse."
    )
    evidence = evidence_of(group)
    assert kinds(evidence) == ["negative", "mixed", "boundaries"]
    assert evidence.cautions[0].text == (
        "Harm (2010), a cohort study from the UK with 40 participants, reports negative "
        "outcomes. Members did worse."
    )
    assert evidence.cautions[0].as_json()["evidence"] == [negative.pk]
    assert evidence.cautions[1].text == (
        "Lecomte et al. (1999), a randomised controlled trial from Canada, reports mixed "
        "outcomes. Gains faded by six months."
    )
    assert evidence.cautions[1].as_json()["evidence"] == [mixed.pk]


def test_thin_evidence_is_a_caution_only_when_every_match_is_weak_by_design(
    empty_library, make_group, make_evidence
):
    group = make_group(conditions=("self_harm",))
    weak = [
        make_evidence("Anecdote, A.", 2001, design="anecdote", conditions=("self_harm",)),
        make_evidence("Case, A.", 2002, design="case_study"),
        make_evidence("Talk, A.", 2003, design="qualitative", conditions=("self_harm",)),
        make_evidence("Unknown, A.", 2004, design="other", conditions=("self_harm",)),
    ]
    evidence = evidence_of(group)
    thin = evidence.cautions[0]
    assert thin.kind == "thin"
    assert thin.text == (
        "The evidence is thin: the 4 studies and reports that match are 1 qualitative study, "
        "1 case study, 1 anecdotal report and 1 report whose design the review does not give, "
        "with no trial, controlled, cohort or survey design (Talk (2003); Unknown (2004); "
        "Anecdote (2001); Case (2002))."
    )
    assert {r.pk for r in thin.records} == {r.pk for r in weak}
    make_evidence("Cohort, A.", design="cohort")
    assert "thin" not in kinds(evidence_of(group))


def test_harm_reduction_groups_carry_a_caution_that_members_may_still_be_using(make_group):
    unions = evidence_of(make_group(conditions=("drugs",), group_type="harm_reduction"))
    caution = next(c for c in unions.cautions if c.kind == "harm_reduction")
    assert caution.text.startswith("Members of a harm reduction group may still be using drugs")
    assert "Baldacchino & Rassool (2006); Nelles (1990)" in caution.text
    assert {r.key for r in caution.records} == {"baldacchino-rassool-2006", "nelles-1990"}
    assert "negative" not in kinds(unions)  # Nelles (1990) is an opinion, not an outcome
    twelve_step = evidence_of(make_group(conditions=("drugs",), group_type="twelve_step"))
    assert "harm_reduction" not in kinds(twelve_step)
    assert "negative" not in kinds(twelve_step)


def test_every_group_carries_the_reviews_boundary_point_in_its_own_terms(client, make_group):
    group = make_group()
    boundaries = evidence_of(group).cautions[-1]
    assert boundaries.kind == "boundaries"
    assert "Baldacchino, Caan & Munn-Giddings (2008)" in boundaries.text
    assert (
        "boundary issues need to be resolved appropriately, before the clinician can legally "
        "and ethically delegate to these groups any clinical responsibility for the care of a "
        "patient"
    ) in boundaries.text
    assert "legally and ethically delegate" in page(client, group)


# --- The API's fields ---------------------------------------------------------------


def test_evidence_json_has_the_fields_the_api_gains(make_group):
    group = Group.objects.with_cards().get(pk=make_group(conditions=("psychosis",)).pk)
    data = evidence_json(group, RequestFactory().get("/api/groups/1/"))
    assert set(data) == {"evidence", "evidence_summary", "cautions"}
    assert isinstance(data["evidence_summary"], str) and data["evidence_summary"]
    chien = next(e for e in data["evidence"] if e["citation"].startswith("Chien"))
    assert chien == {
        "id": Evidence.objects.get(key="chien-et-al-2004").pk,
        "citation": (
            "Chien, W-T., Norman, I., & Thompson, D.R. (2004) A randomized controlled trial of a "
            "mutual support group for family caregivers of patients with schizophrenia. "
            "International Journal of Nursing Studies, 41, 637\u2013649."
        ),
        "year": 2004,
        "design": "rct",
        "sample_size": 48,
        "country": "Hong Kong",
        "outcome_direction": "positive",
        "finding": chien["finding"],
        "url": "http://testserver/evidence/chien-et-al-2004/",
        "source_url": None,
    }
    for caution in data["cautions"]:
        assert set(caution) == {"kind", "text", "evidence"}
    # Lecomte et al. studied clinician-run groups: no caution comes from it.
    assert not [c for c in data["cautions"] if c["kind"] == "mixed"]


def test_missing_citation_parts_say_not_reported(make_group):
    refuge = Evidence.objects.get(key="review-authors-refuge-pilot")
    assert refuge.citation.startswith(
        "Review authors; unpublished (year not reported) Title not reported."
    )
    alliance = Evidence.objects.get(key="depression-alliance-2008")
    assert alliance.source_url == "http://www.depressionalliance.org/"
    assert Evidence.objects.get(key="alcoholics-anonymous-2003b").short_citation == (
        "Alcoholics Anonymous (2003b)"
    )


# --- The page -----------------------------------------------------------------------


def test_the_group_page_runs_a_fixed_number_of_queries_however_many_studies(
    client, empty_library, make_group, make_evidence
):
    group = make_group(conditions=("alcohol",), audiences=("women",))
    cache.clear()
    client.get(group.get_absolute_url())

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(group.get_absolute_url()).status_code == 200
        return len(queries)

    none = count()
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
    assert count() == none


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
        direction="negative",
        outcome_measures=[HOSTILE],
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
    html = page(client, peer)
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
    assert "not a mutual aid group in the full sense" in page(client, service)

    unknown = make_group(leadership="", group_type="other")
    assert [m.answer for m in unknown.mutual_aid_marks()] == ["not_known", "not_known", "yes"]
    assert "may be a mutual aid group" in unknown.mutual_aid_verdict()


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
