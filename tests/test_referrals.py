"""Shortlists and referral sheets (issue 5, point 1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from referrals import sheets
from referrals.sheets import qr_svg
from tests.support.hostile import HOSTILE

pytestmark = pytest.mark.django_db


def add(client, group, next_url="/?near=LS6"):
    return client.post("/shortlist/add/", {"group": group.pk, "next": next_url})


def shortlisted(client) -> list[int]:
    return client.session.get("shortlist", [])


# --- The shortlist ----------------------------------------------------------------


def test_it_adds_a_group_and_goes_back_to_the_page_with_a_message(client, published_group):
    response = add(client, published_group)

    assert response.status_code == 302
    assert response["Location"] == f"/?near=LS6#group-{published_group.pk}"
    assert shortlisted(client) == [published_group.pk]
    html = client.get("/about/").content.decode()
    assert "Added Headingley Recovery Circle to your shortlist (1 of 5)" in html


def test_adding_twice_keeps_one(client, published_group):
    add(client, published_group)
    add(client, published_group)

    assert shortlisted(client) == [published_group.pk]
    assert "already on your shortlist" in client.get("/about/").content.decode()


def test_a_sixth_group_is_refused_with_a_clear_message(client, make_group):
    groups = [make_group() for _ in range(6)]
    for group in groups[:5]:
        add(client, group)

    response = add(client, groups[5])

    assert response["Location"] == "/?near=LS6"
    assert shortlisted(client) == [g.pk for g in groups[:5]]
    html = client.get("/about/").content.decode()
    assert "Your shortlist is full: it holds up to 5 groups" in html


def test_it_removes_and_clears(client, make_group):
    one, two = make_group(), make_group()
    add(client, one)
    add(client, two)

    client.post("/shortlist/remove/", {"group": one.pk, "next": "/shortlist/"})
    assert shortlisted(client) == [two.pk]
    client.post("/shortlist/clear/", {"next": "/shortlist/"})
    assert shortlisted(client) == []
    assert "Your shortlist is empty" in client.get("/shortlist/").content.decode()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_it_only_goes_back_to_pages_of_this_site(client, published_group, target):
    response = add(client, published_group, next_url=target)
    assert response["Location"].startswith("/shortlist/")


def test_only_published_groups_can_be_shortlisted(client, make_group):
    hidden = make_group(status="pending")
    assert add(client, hidden).status_code == 404
    assert client.post("/shortlist/add/", {"group": "x"}).status_code == 404
    assert shortlisted(client) == []


def test_changes_need_post_and_a_csrf_token(published_group):
    client = Client(enforce_csrf_checks=True)
    assert client.get(f"/shortlist/add/?group={published_group.pk}").status_code == 405
    assert add(client, published_group).status_code == 403
    assert shortlisted(client) == []


def test_it_works_without_javascript_from_a_search_result_card(client, published_group, ls6):
    html = client.get("/", {"near": "LS6"}).content.decode()
    form = re.search(r'<form method="post" action="/shortlist/add/".*?</form>', html, re.S).group(0)
    assert f'name="group" value="{published_group.pk}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="next" value="/?near=LS6"' in form

    add(client, published_group)
    html = client.get("/", {"near": "LS6"}).content.decode()
    assert "On your shortlist" in html
    assert (
        'Remove<span class="nhsuk-u-visually-hidden"> Headingley Recovery Circle</span>'
        " from shortlist" in html
    )


def test_the_shortlist_page_links_to_one_sheet_for_all(client, make_group):
    groups = [make_group(f"Group {n}") for n in "ABC"]
    for group in groups:
        add(client, group)

    html = client.get("/shortlist/").content.decode()

    query = "&amp;".join(f"group={g.slug}" for g in groups)
    assert f'href="/referral/?{query}"' in html
    for group in groups:
        assert group.name in html


def test_the_banner_counts_the_shortlist(client, published_group, rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.session = SessionStore()
    assert render_to_string("referrals/_shortlist_banner.html", request=request).strip() == ""
    request.session["shortlist"] = [published_group.pk]
    html = render_to_string("referrals/_shortlist_banner.html", request=request)
    assert "1 group shortlisted (up to 5)." in html
    assert 'href="/shortlist/"' in html
    request.session["shortlist"] = [published_group.pk, published_group.pk + 1]
    html = render_to_string("referrals/_shortlist_banner.html", request=request)
    assert "2 groups shortlisted (up to 5)." in html


def test_the_shortlist_page_leads_back_to_the_search_not_to_itself(client, published_group):
    add(client, published_group, next_url="/?near=LS6&condition=alcohol")

    html = client.get("/shortlist/").content.decode()

    assert "See your shortlist" not in html
    # The browser's Back (tests/browser/test_shortlist.py); the search page without it.
    assert 'href="/" data-history-back>Back to your search' in html


# --- The sheet --------------------------------------------------------------------


def test_the_sheet_says_everything_a_patient_needs(client, published_group, today):
    html = client.get(f"/groups/{published_group.slug}/referral/").content.decode()

    days = (1 - today.weekday()) % 7
    tuesday = today + dt.timedelta(days=days)
    for text in [
        "A mutual aid group that may help you",
        "What is a mutual aid group?",
        "nobody has to speak",
        "Headingley Recovery Circle",
        "Weekly recovery meeting for anyone who wants to stop drinking.",
        "A peer support group.",
        "People affected by alcohol.",
        "Every Tuesday, 7pm to 8:30pm",
        f"Next: <strong>{tuesday:%A} {tuesday.day} {tuesday:%B}</strong>",
        "2nd Monday of the month, 6pm to 7:30pm",
        "You can contact the group yourself, or your clinician can refer you.",
        "What to expect at your first meeting",
        "LS6 1AA",
        "Phone: 0113 496 0000",
        "Email: headingley@example.org",
        "Free",
        "NHS 111",
        "Samaritans free on 116 123",
        "999",
        "not an NHS service",
        f"http://testserver/p/{published_group.pk}/",
    ]:
        assert text in html, text
    assert "What the research says" not in html


def test_the_sheet_has_a_qr_code_of_the_patient_page(client, published_group):
    html = client.get(f"/groups/{published_group.slug}/referral/").content.decode()
    url = f"http://testserver/p/{published_group.pk}/"
    expected = qr_svg(url, label=f"QR code for the web page of {published_group.name}")

    assert str(expected) in html
    assert 'role="img"' in expected and "<path" in expected


def test_the_sheet_escapes_organiser_text(client, make_group):
    group = make_group(
        HOSTILE, summary=HOSTILE, cost=HOSTILE, meetings="Tue 19:00-20:30 (<b>x</b>)"
    )
    html = client.get(f"/groups/{group.slug}/referral/").content.decode()

    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert "<b>x</b>" not in html


def test_the_sheet_has_no_inline_scripts_or_styles(client, published_group):
    html = client.get(f"/groups/{published_group.slug}/referral/").content.decode()

    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert " style=" not in html and "<style" not in html
    assert "/static/css/print-sheet.css" in html
    assert "/static/js/sheet.js" in html


def test_the_sheet_has_a_copy_link_that_is_a_plain_link_without_javascript(client, published_group):
    html = client.get(f"/groups/{published_group.slug}/referral/").content.decode()
    url = f"http://testserver/groups/{published_group.slug}/referral/"

    assert f'data-copy-link="{url}" hidden' in html
    assert f'<a href="{url}" data-copy-fallback>' in html
    assert f'href="/groups/{published_group.slug}/referral.txt"' in html


def test_one_sheet_for_several_groups(client, make_group):
    groups = [make_group(f"Group {n}") for n in "ABC"]
    query = "&".join(f"group={g.slug}" for g in groups)

    html = client.get(f"/referral/?{query}").content.decode()

    assert "Mutual aid groups that may help you" in html
    assert re.findall(r'id="sheet-group-\d+"[^>]*>([^<]+)<', html) == [
        "Group A",
        "Group B",
        "Group C",
    ]
    # Each group's page carries the crisis numbers: a page may be handed on by itself.
    assert html.count("If you need help now") == 3
    # Every region has a name of its own (axe's landmark-unique): the crisis boxes are not regions.
    labels = re.findall(r'<section[^>]*aria-labelledby="([^"]+)"', html)
    names = [re.search(rf'id="{label}"[^>]*>([^<]+)<', html)[1] for label in labels]
    assert len(names) == 4 and len(set(names)) == len(names)


def test_a_sheet_holds_at_most_five_and_only_published_groups(client, make_group):
    groups = [make_group(f"Group {n}") for n in "ABCDEF"]
    hidden = make_group("Hidden", status="pending")
    query = "&".join(f"group={g.slug}" for g in [hidden, *groups])

    html = client.get(f"/referral/?{query}").content.decode()

    assert "Hidden" not in html
    assert html.count('class="app-sheet__group"') == 4  # the first five asked for, less Hidden
    assert client.get("/referral/?group=nothing-here").status_code == 404
    assert client.get(f"/groups/{hidden.slug}/referral/").status_code == 404


def test_the_plain_text_version(client, published_group):
    response = client.get(f"/groups/{published_group.slug}/referral.txt")
    text = response.content.decode()

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    for line in [
        "A mutual aid group that may help you",
        "HEADINGLEY RECOVERY CIRCLE",
        "When it meets (UK time):",
        "  Every Tuesday, 7pm to 8:30pm. Next:",
        "  Phone: 0113 496 0000",
        "  Email: headingley@example.org",
        f"More about this group: http://testserver/p/{published_group.pk}/",
        "call NHS 111",
        "116 123",
        "call 999",
    ]:
        assert line in text, line
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_plain_text_of_a_shortlist(client, make_group):
    groups = [make_group(f"Group {n}", meetings="alt Thu 10:00-11:00") for n in "AB"]
    text = client.get(
        f"/referral.txt?group={groups[0].slug}&group={groups[1].slug}"
    ).content.decode()

    assert text.startswith("Mutual aid groups that may help you")
    assert "GROUP A" in text and "GROUP B" in text
    assert "Every other Thursday, 10am to 11am: ask the group which weeks" in text


def test_the_group_page_snippet_offers_every_action(client, published_group, rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django.template.loader import render_to_string

    request = rf.get(published_group.get_absolute_url())
    request.session = SessionStore()
    html = render_to_string(
        "referrals/_group_actions.html", {"group": published_group}, request=request
    )

    for href in ("referral/", "referral.txt", "calendar.ics"):
        assert f'href="/groups/{published_group.slug}/{href}"' in html
    assert 'action="/shortlist/add/"' in html


def test_the_sheet_keeps_acronyms_in_condition_names(make_group):
    group = make_group(conditions=("chronic_fatigue_syndrome", "alcohol"))
    text = sheets.who_for(group)
    assert "ME/CFS" in text and "me/cfs" not in text
    assert "alcohol" in text
