"""What a record is (issue 12, point 1): its kind, what it studied, its direction only
when it is an outcome study or a systematic review, and the review's own words it rests
on; the shipped records as corrected against the review; the migration that brings an
existing install to them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from evidence import shipped
from evidence.models import (
    COUNTING_SUBJECTS,
    OUTCOME_KINDS,
    Direction,
    Evidence,
    Kind,
    Origin,
    Studied,
)

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evidence_fixtures"]

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalised(text: str) -> str:
    """Whitespace runs as one space, curly quotes as straight ones; case is kept."""
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip()


@pytest.fixture(scope="module")
def review_text() -> str:
    path = Path(settings.SHARED_DIR) / "background" / "mutual-aid-review.txt"
    if not path.exists():
        pytest.skip("the review is not in SHARED_DIR")
    return normalised(path.read_text(encoding="utf-8"))


def shipped_by_key() -> dict[str, dict]:
    return {item["key"]: item for item in shipped.shipped_records()}


def get(key: str) -> Evidence:
    return Evidence.objects.prefetch_related("conditions", "group_types", "audiences").get(key=key)


def slugs(manager) -> set[str]:
    return {t.slug for t in manager.all()}


# --- The basis ----------------------------------------------------------------------


def test_every_fragment_of_every_basis_is_the_reviews_own_words(review_text):
    checked = 0
    for item in shipped.shipped_records():
        for fragment in item["basis"]:
            assert normalised(fragment) in review_text, (item["key"], fragment)
            checked += 1
    assert checked >= len(shipped.shipped_records())


def test_every_record_taken_from_the_review_has_a_basis_and_only_those_may_lack_one():
    for item in shipped.shipped_records():
        if item["origin"] == Origin.REVIEW_2008:
            assert item["basis"], item["key"]
        else:
            assert item["origin"] == Origin.SOURCE_ITSELF, item["key"]


def test_the_basis_comparison_keeps_case_and_ignores_only_spacing_and_quote_marks(review_text):
    assert normalised("Anecdotally,  high mobility\nof members") in review_text
    assert normalised("anecdotally, high mobility of members") not in review_text
    assert normalised("\u2018a forum of promoting drug use\u2019") in review_text


# --- Kinds, subjects, directions -----------------------------------------------------


def test_only_outcome_studies_and_systematic_reviews_carry_a_direction():
    for item in shipped.shipped_records():
        assert item["kind"] in Kind.values and item["studied"] in Studied.values, item["key"]
        if item["kind"] in OUTCOME_KINDS:
            assert item["outcome_direction"] in Direction.values, item["key"]
        else:
            assert item["outcome_direction"] is None, item["key"]


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "descriptive", "outcome_direction": "positive"},
        {"kind": "outcome_study", "outcome_direction": ""},
        {"kind": "hearsay"},
        {"studied": "something"},
        {"origin": "rumour"},
        {"outcome_direction": "not_reported"},
        {"origin": "review_2008", "basis": []},
    ],
)
def test_the_database_refuses_a_record_that_breaks_the_rules_of_point_1(make_evidence, change):
    record = make_evidence()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=record.pk).update(**change)


def test_the_form_says_what_is_wrong_with_a_direction_or_a_basis(make_evidence):
    record = make_evidence(kind="opinion", direction="")
    record.outcome_direction = "positive"
    record.origin = Origin.REVIEW_2008
    with pytest.raises(ValidationError) as raised:
        record.full_clean()
    assert "only outcome studies" in str(raised.value.message_dict["outcome_direction"])
    assert "Copy the review's words" in str(raised.value.message_dict["basis"])


# --- The corrections the issue names --------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("carelsen-2003", Kind.DESCRIPTIVE),
        ("nelles-1990", Kind.OPINION),
        ("baldacchino-rassool-2006", Kind.OPINION),
        ("alcoholics-anonymous-2003a", Kind.OWN_FIGURES),
        ("caan-1994", Kind.DESCRIPTIVE),
        ("review-authors-refuge-pilot", Kind.DESCRIPTIVE),
        ("kelly-moos-2003", Kind.DESCRIPTIVE),
        ("dazl-2008", Kind.OWN_FIGURES),
        ("depression-alliance-2008", Kind.OWN_FIGURES),
        ("nida-1999", Kind.BACKGROUND),
    ],
)
def test_opinions_claims_own_figures_and_notes_are_not_outcomes(key, kind):
    record = get(key)
    assert record.kind == kind
    assert record.outcome_direction == ""
    assert not record.may_count


def test_milligan_could_not_confirm_the_improvement():
    milligan = get("milligan-et-al-2003")
    assert (milligan.kind, milligan.outcome_direction) == (Kind.OUTCOME_STUDY, "inconclusive")
    assert "too few" in milligan.finding or "insufficient" in milligan.finding


@pytest.mark.parametrize(
    ("key", "studied"),
    [
        ("project-match-1998", Studied.FACILITATION),
        ("kelly-et-al-2020", Studied.FACILITATION),
        ("lecomte-et-al-1999", Studied.NOT_MUTUAL_AID),
        ("norton-warren-2005", Studied.NOT_MUTUAL_AID),
        ("review-authors-crisis-recovery-unit-evaluation", Studied.NOT_MUTUAL_AID),
        ("chien-et-al-2004", Studied.MIXED),
        ("music-workshop-project-2003", Studied.MIXED),
        ("lorig-et-al-2001", Studied.MIXED),
    ],
)
def test_what_was_studied_is_said_against_box_1(key, studied):
    assert get(key).studied == studied
    assert (studied in COUNTING_SUBJECTS) == (studied != Studied.NOT_MUTUAL_AID)


def test_project_match_keeps_the_reviews_words_and_says_it_tested_facilitation():
    match = get("project-match-1998")
    assert "more effective in staying abstinent longer" in match.finding
    assert "given by professionals" in match.finding


def test_populations_are_the_ones_studied():
    assert slugs(get("lorig-et-al-2001").conditions) == {"chronic_physical_illness"}
    assert "carers_family" in slugs(get("chien-et-al-2004").audiences)
    for key in ("norton-warren-2005", "review-authors-crisis-recovery-unit-evaluation"):
        assert "dual_diagnosis" in slugs(get(key).conditions), key
    for key in ("music-workshop-project-2003", "vaillant-2003"):
        assert "men" in slugs(get(key).audiences), key


def test_the_harm_reduction_record_keeps_the_reviews_hedges():
    unions = get("baldacchino-rassool-2006")
    assert "claim" in unions.finding
    assert "anecdotally" in unions.finding.lower()
    assert "formal evaluation of these groups in London" in unions.finding


def test_the_refuge_pilot_says_who_did_the_harm_and_adds_no_advice_of_ours():
    pilot = get("review-authors-refuge-pilot")
    assert "ex-partners" in pilot.finding and "not an outcome" in pilot.finding
    assert "private" not in pilot.finding  # our advice, not the review's words


@pytest.mark.django_db(transaction=True)
def test_migrating_drops_the_advice_from_the_shipped_wording_only():
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("evidence")
    before = ("evidence", "0008_refresh_shipped_records")
    executor.migrate([before])
    Old = (
        MigrationExecutor(connection)
        .loader.project_state(before)
        .apps.get_model("evidence", "Evidence")
    )
    advice = " It is a reason to keep such groups' locations private."
    pilot = Old.objects.get(key="review-authors-refuge-pilot")
    pilot.finding = "Shipped words." + advice
    pilot.save()
    MigrationExecutor(connection).migrate(leaf)
    assert get("review-authors-refuge-pilot").finding == "Shipped words."

    MigrationExecutor(connection).migrate([before])
    Evidence.objects.filter(key="review-authors-refuge-pilot").update(
        finding="An editor's words." + advice + " And more."
    )
    MigrationExecutor(connection).migrate(leaf)
    assert (
        get("review-authors-refuge-pilot").finding == "An editor's words." + advice + " And more."
    )


def test_the_statements_the_review_makes_without_a_citation_are_records():
    faith = get("baldacchino-et-al-2008-faith-groups")
    assert slugs(faith.group_types) == {"faith_based"} and faith.kind == Kind.BACKGROUND
    assert "no outcome data" in faith.finding
    residential = get("baldacchino-et-al-2008-residential-mutual-aid")
    assert slugs(residential.group_types) == {"residential"}
    assert "only anecdotal evidence" in residential.finding


def test_sign_2004_and_wilson_1995_rest_on_the_reviews_words():
    assert "should be encouraged to attend Alcoholics Anonymous" in " ".join(get("sign-2004").basis)
    assert (
        "Wilson (1995) produced guidelines for professionals working with mutual aid groups"
        in get("wilson-1995").basis
    )


def test_the_newer_sources_are_in_the_library_in_our_own_words():
    cochrane = get("kelly-et-al-2020")
    assert (cochrane.kind, cochrane.origin) == (Kind.SYSTEMATIC_REVIEW, Origin.SOURCE_ITSELF)
    assert cochrane.doi == "10.1002/14651858.CD012880.pub2"
    assert cochrane.sample_size == 10565
    assert "27 studies" in cochrane.finding and "high certainty" in cochrane.finding
    nice = get("nice-2021")
    assert nice.kind == Kind.BACKGROUND
    assert slugs(nice.conditions) == {"chronic_fatigue_syndrome"}
    assert "graded exercise therapy" in nice.finding


def test_uk_outcome_studies_are_the_few_the_review_reports():
    uk_outcomes = {
        r.key
        for r in Evidence.objects.counting().filter(origin=Origin.REVIEW_2008)
        if "UK" in r.countries
    }
    assert {"christo-sutton-1994", "milligan-et-al-2003"} <= uk_outcomes


# --- The shipped file against the shared one ----------------------------------------


def test_the_shipped_records_keep_every_shared_record_and_its_citation():
    shared_file = Path(settings.SHARED_DIR) / "data" / "evidence_from_review.json"
    if not shared_file.exists():
        pytest.skip("shared data not present")
    shared = {r["key"]: r for r in json.loads(shared_file.read_text(encoding="utf-8"))}
    ours = shipped_by_key()
    assert set(shared) <= set(ours)
    corrected_venues = {"westermeyer-et-al-2001", "wituk-et-al-2002"}
    for key, record in shared.items():
        for name in ("authors", "year", "title", "sample_size", "design"):
            if (key, name) == ("nida-1999", "design"):
                continue  # a research-based guide: now "guideline"
            assert ours[key][name] == record[name], (key, name)
        assert (ours[key]["venue"] == record["venue"]) == (key not in corrected_venues), key


def test_every_group_model_in_the_review_finds_its_own_evidence(make_group):
    models_file = Path(settings.SHARED_DIR) / "data" / "group_models_from_review.json"
    if not models_file.exists():
        pytest.skip("shared data not present")
    for model in json.loads(models_file.read_text(encoding="utf-8")):
        group = make_group(
            model["name"][:200],
            group_type=model["group_type"],
            conditions=tuple(model["conditions"]) or ("general_wellbeing",),
        )
        found = {r.key for r in Evidence.objects.published().for_group(group)}
        assert set(model["evidence_keys"]) <= found, model["name"]


# --- Loading ------------------------------------------------------------------------


def test_loading_the_shipped_records_is_safe_to_run_again():
    Evidence.objects.all().delete()
    shipped.load(apps)
    shipped.load(apps)
    keys = {item["key"] for item in shipped.shipped_records()}
    assert set(Evidence.objects.values_list("key", flat=True)) == keys
    assert Evidence.objects.published().count() == len(keys)


@pytest.mark.django_db(transaction=True)
def test_the_migration_brings_an_existing_install_to_the_corrected_records():
    """An install that loaded the old records (0002) gets the corrected ones on migrate;
    a record an editor added keeps its direction as an outcome study."""
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("evidence")
    executor.migrate([("evidence", "0002_load_review_evidence")])
    old = (
        MigrationExecutor(connection)
        .loader.project_state(("evidence", "0002_load_review_evidence"))
        .apps
    )
    OldEvidence = old.get_model("evidence", "Evidence")
    OldEvidence.objects.all().delete()
    for key, direction in [("nelles-1990", "negative"), ("carelsen-2003", "negative")]:
        OldEvidence.objects.create(
            key=key, authors="Old, A.", design="other", outcome_direction=direction, finding="x"
        )
    OldEvidence.objects.create(
        key="editors-own-2020", authors="Own, A.", design="cohort",
        outcome_direction="none_detected", finding="Nothing changed.",
    )  # fmt: skip
    OldEvidence.objects.create(
        key="editors-note-2021", authors="Note, A.", design="other",
        outcome_direction="not_reported", finding="A note.",
    )  # fmt: skip
    MigrationExecutor(connection).migrate(leaf)

    nelles = Evidence.objects.get(key="nelles-1990")
    assert (nelles.kind, nelles.outcome_direction, nelles.authors) == ("opinion", "", "Nelles, B.")
    assert Evidence.objects.get(key="carelsen-2003").kind == "descriptive"
    own = Evidence.objects.get(key="editors-own-2020")
    assert (own.kind, own.outcome_direction) == ("outcome_study", "no_effect")
    note = Evidence.objects.get(key="editors-note-2021")
    assert (note.kind, note.outcome_direction) == ("descriptive", "")
    assert Evidence.objects.filter(key="kelly-et-al-2020").exists()
