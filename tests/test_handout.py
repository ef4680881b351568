"""Issue 14 point 1: the referral sheet is a handout a patient can read."""

import datetime as dt
import logging

import pytest

from evidence.summary import summarise
from groups.models import Group, Status
from groups.services import GroupValues, save_group

CLINICIAN = {
    "clinician_name": "Dr Ada Okafor",
    "clinician_contact": "Leeds Addiction Unit, 0113 496 0321",
    "note": "Try the Tuesday meeting first; Sam at reception can help you find the room.",
}


@pytest.fixture
def harm_reduction_group(make_group):
    return make_group(
        "Chapeltown Users' Forum",
        group_type="harm_reduction",
        conditions=("drugs",),
        orientation="hybrid",
        meetings="Tue 19:00-20:30; alt Thu 10:00-11:00",
        phone="0113 496 0555",
    )


def _next_weekday(today: dt.date, weekday: int, weeks: int = 0) -> dt.date:
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def test_it_prints_no_evidence_text_research_terms_or_quotes(client, harm_reduction_group):
    found = summarise(harm_reduction_group)
    assert found.text, "the review has evidence about harm reduction groups"
    group_page = client.get(harm_reduction_group.get_absolute_url()).content.decode()
    assert "junkies" in group_page or found.cautions or found.text[:40] in group_page
    for path in (
        f"/groups/{harm_reduction_group.slug}/referral/",
        f"/groups/{harm_reduction_group.slug}/referral.txt",
        f"/p/{harm_reduction_group.pk}/",
    ):
        text = client.get(path).content.decode()
        assert found.text[:40] not in text, path
        for caution in found.cautions:
            assert getattr(caution, "text", str(caution))[:40] not in text, path
        for word in ("junkies", "PANSS", "randomised", "cohort", "What the research says"):
            assert word not in text, (path, word)


def test_it_gives_the_next_three_dates_of_each_meeting(client, harm_reduction_group, today):
    html = client.get(f"/groups/{harm_reduction_group.slug}/referral/").content.decode()
    tuesdays = [_next_weekday(today, 1, n) for n in range(3)]
    expected = ", ".join(f"<strong>{d:%A} {d.day} {d:%B}</strong>" for d in tuesdays)
    assert f"Every Tuesday, 7pm to 8:30pm. Next: {expected}" in html
    text = client.get(f"/groups/{harm_reduction_group.slug}/referral.txt").content.decode()
    assert f"{tuesdays[2]:%A} {tuesdays[2].day}" in text


def test_a_fortnightly_meeting_without_an_anchor_says_ask_which_weeks(client, harm_reduction_group):
    html = client.get(f"/groups/{harm_reduction_group.slug}/referral/").content.decode()
    assert "Every other Thursday, 10am to 11am: ask the group which weeks" in html


def test_it_says_what_to_expect_by_the_type_of_group(client, harm_reduction_group, make_group):
    html = client.get(f"/groups/{harm_reduction_group.slug}/referral/").content.decode()
    assert "You do not have to have stopped drinking or using drugs to come." in html
    twelve = make_group(group_type="twelve_step")
    html = client.get(f"/groups/{twelve.slug}/referral/").content.decode()
    assert "Members then take turns to talk about their own experience." in html


def test_it_gives_the_crisis_numbers_for_the_groups_nation(client, make_group):
    welsh = make_group(postcode="CF10 1AA", at=(51.48, -3.18))
    html = client.get(f"/groups/{welsh.slug}/referral/").content.decode()
    sheet = html[html.index('<article class="app-sheet">') : html.index("</article>")]
    assert "NHS 111 Wales and press 2" in sheet and "choose the mental health option" not in sheet


def test_the_clinicians_details_come_by_post_and_are_never_kept(client, published_group, caplog):
    caplog.set_level(logging.DEBUG)
    url = f"/groups/{published_group.slug}/referral/"
    response = client.post(url, CLINICIAN)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    for value in CLINICIAN.values():
        assert value in html.replace("&#x27;", "'")
    assert list(response.wsgi_request.sensitive_post_parameters) == list(CLINICIAN)
    assert not any(v in str(dict(client.session)) for v in CLINICIAN.values())
    assert not any(CLINICIAN["note"] in r.getMessage() for r in caplog.records)
    again = client.get(url).content.decode()
    assert CLINICIAN["clinician_name"] not in again
    assert CLINICIAN["clinician_name"] not in response.get("Location", "")


def test_the_text_version_is_built_from_the_same_post(client, published_group):
    response = client.post(f"/groups/{published_group.slug}/referral.txt", CLINICIAN)
    text = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert "From: Dr Ada Okafor, Leeds Addiction Unit, 0113 496 0321" in text
    assert "Try the Tuesday meeting first" in " ".join(text.split())


def test_a_note_over_300_characters_is_refused_and_kept(client, published_group):
    long_note = "x" * 301
    response = client.post(
        f"/groups/{published_group.slug}/referral/", {**CLINICIAN, "note": long_note}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "300 characters or fewer" in html
    assert long_note in html  # in the box, to shorten: nothing is lost


def test_the_sheet_and_its_text_carry_the_date_of_issue_and_the_sample_warning(
    client, published_group, today
):
    Group.objects.filter(pk=published_group.pk).update(external_id="demo-999")
    html = client.get(f"/groups/{published_group.slug}/referral/").content.decode()
    text = client.get(f"/groups/{published_group.slug}/referral.txt").content.decode()
    assert f"{today.day} {today:%B %Y}" in html and f"{today.day} {today:%B %Y}" in text
    assert "Sample data:" in html and "SAMPLE DATA" in text


def test_the_patient_page_has_the_same_facts_and_nothing_for_clinicians(
    client, published_group, today
):
    response = client.get(f"/p/{published_group.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in html
    for text in ("Headingley Recovery Circle", "Every Tuesday, 7pm to 8:30pm", "Phone: 0113"):
        assert text in html
    assert f'href="/groups/{published_group.slug}/report/"' in html
    main = html[html.index("<main") : html.index("</main>")].lower()
    for absent in ("shortlist", "is this your group", "research", "evidence"):
        assert absent not in main, absent


def test_the_patient_page_of_a_closed_group_answers_200_without_contact_details(
    client, published_group
):
    save_group(
        group=published_group, values=GroupValues(status=Status.ARCHIVED, archived_reason="stale")
    )
    response = client.get(f"/p/{published_group.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "no longer listed" in html and "0113 496 0000" not in html
