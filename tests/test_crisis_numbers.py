"""Issue 14 point 10: crisis numbers follow the nation a group meets in."""

import pytest

from referrals.crisis import Nation, nation_of_postcode

ENGLAND_111 = "call NHS 111 and choose the mental health option"
WALES_111 = "call NHS 111 Wales and press 2"
NHS_24 = "call NHS 24 on 111"
BREATHING_SPACE = "0800 83 85 87"
LIFELINE = "0808 808 8000"
SAMARITANS = "116 123"


@pytest.mark.parametrize(
    ("postcode", "nation"),
    [
        ("LS6 3AB", Nation.ENGLAND),
        ("CF10 1AA", Nation.WALES),
        ("SA1 1AA", Nation.WALES),
        ("CH7 1AA", Nation.WALES),
        ("CH1 1AA", Nation.ENGLAND),
        ("SY23 1AA", Nation.WALES),
        ("SY1 1AA", Nation.ENGLAND),
        ("EH1 1YZ", Nation.SCOTLAND),
        ("G1 1AA", Nation.SCOTLAND),
        ("TD15 1AA", Nation.ENGLAND),
        ("TD1 1AA", Nation.SCOTLAND),
        ("BT1 1AA", Nation.NORTHERN_IRELAND),
        ("GU1 1AA", Nation.ENGLAND),
    ],
)
def test_a_postcode_names_its_nation(postcode, nation):
    assert nation_of_postcode(postcode) == nation


def _footer(client, group) -> str:
    page = client.get(group.get_absolute_url()).content.decode()
    return page[page.index('class="app-crisis"') :]


def test_an_english_group_page_gives_nhs_111s_mental_health_option(client, make_group):
    footer = _footer(client, make_group(postcode="LS6 3AB"))
    assert ENGLAND_111 in footer and "999" in footer and SAMARITANS in footer
    assert WALES_111 not in footer and LIFELINE not in footer and NHS_24 not in footer


def test_a_welsh_group_page_gives_nhs_111_wales(client, make_group):
    footer = _footer(client, make_group(postcode="CF10 1AA", at=(51.48, -3.18)))
    assert WALES_111 in footer and ENGLAND_111 not in footer


def test_a_scottish_group_page_gives_nhs_24_and_breathing_space(client, make_group):
    footer = _footer(client, make_group(postcode="EH1 1YZ", at=(55.95, -3.19)))
    assert NHS_24 in footer and BREATHING_SPACE in footer and ENGLAND_111 not in footer


def test_a_northern_irish_group_page_gives_lifeline_and_never_nhs_111(client, make_group):
    footer = _footer(client, make_group(postcode="BT1 1AA", at=(54.6, -5.93)))
    assert LIFELINE in footer and "GP out-of-hours" in footer
    assert "NHS 111 and" not in footer and "NHS 111 Wales" not in footer
    assert SAMARITANS in footer and "999" in footer


def test_an_online_group_and_every_other_page_give_every_nation(client, make_group):
    online = _footer(client, make_group(format="online"))
    home = client.get("/").content.decode()
    for text in (online, home):
        for number in (ENGLAND_111, WALES_111, NHS_24, BREATHING_SPACE, LIFELINE, SAMARITANS):
            assert number in text


def test_the_header_links_find_groups_evidence_and_about_on_every_page(client, published_group):
    for path in ("/", published_group.get_absolute_url(), "/evidence/", "/about/", "/api/"):
        page = client.get(path).content.decode()
        nav = page[page.index('aria-label="Menu"') :]
        for href, text in (("/", "Find groups"), ("/evidence/", "Evidence"), ("/about/", "About")):
            assert f'href="{href}"' in nav and f">{text}</a>" in nav, (path, text)
