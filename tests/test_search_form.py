"""Issue 16 point 4: the search page draws the FilterSet's own form with the NHS.UK form
tags, so its controls, their valid values and the OpenAPI document's have one definition."""

from __future__ import annotations

import re

import pytest

from groups.filters import SearchFilter
from groups.models import Condition

pytestmark = pytest.mark.django_db

# Given as hidden fields only once the browser's location was used.
HIDDEN_UNTIL_GIVEN = {"lat", "lng"}


def offered(page: str, name: str) -> list[str]:
    """The values the page offers for one parameter: its options, radios or tick boxes."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        return re.findall(r'<option value="([^"]*)"', select[1])
    inputs = [
        dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r"<input[^>]*>", page)
    ]
    return [
        i["value"]
        for i in inputs
        if i.get("name") == name and i.get("type") in ("radio", "checkbox")
    ]


@pytest.fixture
def document(client):
    parameters = client.get("/api/schema/").json()["paths"]["/api/groups/"]["get"]["parameters"]
    return {p["name"]: p["schema"] for p in parameters}


def test_every_parameter_of_the_filterset_is_a_control_on_the_page(client):
    page = client.get("/").content.decode()
    for name in set(SearchFilter.base_filters) - HIDDEN_UNTIL_GIVEN:
        assert f'name="{name}"' in page, name
    assert 'name="lat"' not in page
    located = client.get("/", {"lat": "53.8", "lng": "-1.55"}).content.decode()
    assert '<input type="hidden" name="lat" value="53.8">' in located


def test_the_page_offers_exactly_the_values_the_openapi_document_lists(client, document):
    page = client.get("/").content.decode()
    for name, schema in document.items():
        enum = schema.get("enum") or schema.get("items", {}).get("enum")
        if enum is None or name in HIDDEN_UNTIL_GIVEN:
            continue
        # A blank choice ("Any") is the page's way of leaving a parameter out.
        assert [v for v in offered(page, name) if v] == enum, name


def test_a_condition_added_to_the_taxonomy_is_offered_without_a_change_to_the_view(
    client, document
):
    Condition.objects.create(slug="hoarding", name="Hoarding")
    page = client.get("/").content.decode()
    assert "hoarding" in offered(page, "condition")
    assert re.search(r'value="hoarding"[^>]*>\s*<label[^>]*>Hoarding</label>', page)


def test_a_search_keeps_what_was_chosen(client, ls6):
    query = {
        "near": "LS6",
        "radius_km": "40.2",
        "condition": ["alcohol", "gambling"],
        "orientation": "inward",
        "day": "tue",
        "step_free": "true",
    }
    page = client.get("/", query).content.decode()
    assert re.search(r'name="near"[^>]*value="LS6"|value="LS6"[^>]*name="near"', page)
    assert re.search(r'<option value="40.2" selected>25 miles \(40 km\)</option>', page)
    for value in ("alcohol", "gambling"):
        assert re.search(rf'name="condition" type="checkbox" value="{value}"[^>]*checked', page)
    assert re.search(r'name="orientation" type="radio" value="inward"[^>]*checked', page)
    assert '<option value="tue" selected>Tuesday</option>' in page
    assert re.search(r'type="checkbox" name="step_free" value="true"[^>]*checked', page)
    assert not re.search(r'name="include_online" value="true"[^>]*checked', page)


def test_a_bad_value_is_shown_beside_its_field_and_in_the_summary(client, ls6):
    page = client.get("/", {"near": "LS6", "day": "someday", "step_free": "maybe"}).content
    page = page.decode()
    assert "There is a problem" in page
    assert 'href="#id_day"' in page and 'href="#id_step_free"' in page
    assert re.search(r'<span class="nhsuk-error-message" id="id_day-error">', page)
    assert re.search(r'<select name="day" class="nhsuk-select nhsuk-select--error"', page)


def test_selects_are_drawn_as_their_widgets_draw_them(ls6):
    """select_html() skips Django's template per option (most of the form's drawing time)
    and must give the same markup: selected option, errors, required and ids included."""
    from django import forms

    from accounts.templatetags.nhsuk_forms import select_html
    from groups.models import Group, GroupType

    NONE = Group.objects.none()

    class Required(forms.Form):
        kind = forms.ModelChoiceField(queryset=GroupType.objects.all(), empty_label="Choose")

    bound = [
        SearchFilter({"near": "LS6", "day": "someday", "language": "cy"}, queryset=NONE).form,
        SearchFilter({"radius_km": "99"}, queryset=NONE).form,
        Required({"kind": str(GroupType.objects.first().pk)}),
        Required({}),
    ]
    for form in bound:
        form.is_valid()
        for field in form:
            if isinstance(field.field.widget, forms.Select):
                attrs = {"class": "nhsuk-select", "aria-describedby": "x-hint"}
                django_markup = field.as_widget(attrs=dict(attrs))
                ours = select_html(field, dict(attrs))
                assert re.sub(r">\s+<", "><", django_markup) == re.sub(r">\s+<", "><", ours)
