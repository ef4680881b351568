"""Issue 16 point 4: the search page draws the FilterSet's own form with the NHS.UK form
tags, so its controls, their valid values and the OpenAPI document's have one definition."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django import forms
from django.http import QueryDict
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from groups.filters import SearchFilter
from groups.models import Condition, Group

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


class Widgets(forms.Form):
    """Fields of each kind the NHS.UK tags draw in Python, with values to escape."""

    name = forms.CharField(initial='Tom & "Jerry" <b>', max_length=20)
    email = forms.EmailField(required=False)
    site = forms.URLField(required=False, widget=forms.URLInput(attrs={"placeholder": "a&b"}))
    count = forms.IntegerField(min_value=1, required=False)
    agree = forms.BooleanField(required=False)
    kinds = forms.MultipleChoiceField(
        choices=[("a", "A & a"), ("b", mark_safe("<i>B</i>"))], widget=forms.CheckboxSelectMultiple
    )
    grouped = forms.ChoiceField(
        choices=[("Group", [("x", "X"), ("y", "Y")]), ("z", "Z")], widget=forms.RadioSelect
    )


def drawn_choices(html: str) -> list[tuple[str, ...]]:
    """(id, name, type, value, checked, label) of each radio or tick box in html."""
    return re.findall(
        r'<input class="[^"]*" id="([^"]*)" name="([^"]*)" type="([^"]*)" value="([^"]*)"'
        r"( checked)?[^>]*>\s*<label [^>]*>(.*?)</label>",
        html,
    )


def test_choices_are_drawn_as_their_widgets_have_them():
    """choices_html() reads the choices without Django's subwidgets (a dict of attributes
    built for each, most of the time the filter form took) and must find the same ids,
    values, labels and checked state, for single and multiple choices, bound or not."""
    from accounts.templatetags.nhsuk_forms import choices_html, kind_of

    NONE = Group.objects.none()
    chosen = {
        "condition": ["alcohol", "gambling"],
        "orientation": "inward",
        "audience": "carers_family",
    }
    forms_ = [
        SearchFilter(QueryDict(urlencode(chosen, doseq=True)), queryset=NONE).form,
        SearchFilter(queryset=NONE).form,
        Widgets({"kinds": ["b"], "grouped": "y"}),
        Widgets(),
    ]
    for form in forms_:
        form.is_valid()
        for field in form:
            kind = kind_of(field)
            if kind not in ("radios", "checkboxes"):
                continue
            django_has = [
                (c.id_for_label, c.data["name"], c.data["type"], str(c.data["value"]),
                 " checked" if c.data["selected"] else "", str(conditional_escape(c.choice_label)))
                for c in field.subwidgets
            ]  # fmt: skip
            assert drawn_choices(choices_html(field, kind)) == django_has, field.name
    inward = drawn_choices(choices_html(forms_[0]["orientation"], "radios"))[1]
    assert inward[:5] == ("id_orientation_1", "orientation", "radio", "inward", " checked")


def test_inputs_are_drawn_as_their_widgets_draw_them():
    """input_html() writes Django's input.html without rendering it: the same markup,
    value, attributes and escaping."""
    from accounts.templatetags.nhsuk_forms import input_html

    for form in (Widgets(), Widgets({"name": "<&>", "count": "x", "agree": "on"})):
        form.is_valid()
        for field in form:
            attrs = {"class": "nhsuk-input", "aria-describedby": "x-hint x-error"}
            ours = input_html(field, dict(attrs))
            if isinstance(field.field.widget, forms.widgets.ChoiceWidget):
                assert ours is None
            else:
                assert ours == field.as_widget(attrs=dict(attrs)), field.name
