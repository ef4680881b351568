"""Issue 14 point 7: words mean one thing."""

import re

from groups.models import Format, Orientation
from groups.templatetags.directory import distance, radius
from tests.conftest import LS6


def test_hybrid_means_both_inward_and_outward_for_orientation_and_in_person_and_online_for_format(
    client, db
):
    assert Orientation.HYBRID.label == "Both inward and outward"
    assert Format.HYBRID.label == "In person and online"
    page = client.get("/").content.decode()
    assert "Hybrid" not in re.sub(r"<[^>]+>", " ", page)


def test_the_heading_states_the_radius_that_was_chosen(client, ls6, make_group):
    make_group(at=LS6)
    page = client.get("/", {"near": "LS6", "radius_km": "80.5"}).content.decode()
    assert "within 50 miles of LS6" in page
    assert "49.7" not in page and "50.0" not in page
    assert radius(16) == "10 miles" and radius(1.6) == "1 mile" and radius(12.5) == "12.5 km"


def test_a_group_at_the_search_centre_is_never_0_0_miles_away(client, ls6, make_group):
    make_group("Right Here", at=LS6)
    page = client.get("/", {"near": "LS6"}).content.decode()
    assert "0.0 miles" not in page
    assert "Less than 0.1 miles" in page
    assert distance(0.2) == "0.1 miles (0.2 km)"


def test_an_online_only_group_meets_online_and_is_never_just_come_along(client, make_group):
    group = make_group("Online Circle", format="online", referral="self_referral")
    page = client.get(group.get_absolute_url()).content.decode()
    assert "just come along" not in page and "just go along" not in page
    results = client.get("/", {"format": "online"}).content.decode()
    assert "Meets online" in results and "Online only" not in results


def test_audience_names_are_lower_case_in_running_text_but_keep_proper_nouns(client, make_group):
    group = make_group(audiences=("young_people", "lgbtq", "women"))
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Women, young people, LGBTQ+ people" in page or "Young people, LGBTQ+ people" in page
    assert "lgbtq+" not in page
