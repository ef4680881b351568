"""Issue 14 point 1: N groups print on N pages of A4, counted from Chromium's own PDF."""

import re

import pytest
from playwright.sync_api import Page

from groups.models import Group

pytestmark = pytest.mark.browser


def _pages(pdf: bytes) -> int:
    # Chromium writes one /Type /Page object per page (and /Type /Pages for the tree).
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


@pytest.mark.parametrize("n", [1, 3])
def test_n_groups_print_on_n_a4_pages(page: Page, demo_site, n):
    # The groups with the most to say: the longest descriptions, summaries and meetings.
    # An online group gives every nation's crisis numbers, the longest list.
    fullest = sorted(
        Group.objects.published().prefetch_related("meetings"),
        key=lambda g: (g.is_online_only, len(g.meetings.all()), len(g.summary + g.access_notes)),
        reverse=True,
    )
    groups = fullest[:n]
    assert groups[0].is_online_only
    query = "&".join(f"group={g.slug}" for g in groups)
    page.goto(f"{demo_site.url}/referral/?{query}")
    page.get_by_text("Add your name, contact details and a note").click()
    page.fill("#id_clinician_name", "Dr Ada Okafor")
    page.fill("#id_clinician_contact", "Leeds Addiction Unit, 0113 496 0321")
    page.fill("#id_note", "x " * 149)
    page.get_by_role("button", name="Add to the sheet").click()
    page.wait_for_selector(".app-sheet__clinician")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert _pages(pdf) == n
