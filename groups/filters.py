"""Validation of search parameters, shared by the search page and the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.choices import CallableChoiceIterator
from django_filters.fields import ChoiceField as FilterChoiceField

from . import geo, taxonomy
from .geo import KM_PER_MILE
from .languages import LANGUAGE_NAMES
from .models import (
    ORIENTATION_EXPLAINED,
    TIME_OF_DAY_CHOICES,
    WEEKDAY_CODES,
    Format,
    Group,
    GroupQuerySet,
    Orientation,
    Place,
    Referral,
    Weekday,
)
from .search import Criteria, search_groups

DAY_CHOICES = [(code, Weekday(i).label) for i, code in enumerate(WEEKDAY_CODES)]
ORIENTATION_FILTER_CHOICES = [
    (Orientation.INWARD, "Inward-oriented (includes groups that are both)"),
    (Orientation.OUTWARD, "Outward-oriented (includes groups that are both)"),
    (Orientation.HYBRID, "Both inward and outward only"),
]
FORMAT_FILTER_CHOICES = [
    (Format.IN_PERSON, "In person (includes groups that also meet online)"),
    (Format.ONLINE, "Online (includes groups that also meet in person)"),
    (Format.HYBRID, "In person and online only"),
]
REFERRAL_FILTER_CHOICES = [
    (Referral.SELF, "People can refer themselves"),
    (Referral.PROFESSIONAL, "Takes professional referrals"),
]
TRUE_CHOICE = [("true", "Yes")]
# English first, then the rest by name.
LANGUAGE_CHOICES = sorted(LANGUAGE_NAMES.items(), key=lambda item: (item[0] != "en", item[1]))


# The page's distances, in miles with km beside; the default first among equals.
RADIUS_MILES = [1, 2, 5, 10, 15, 25, 50]


def km_value(km: float) -> str:
    return f"{km:.1f}".rstrip("0").rstrip(".")


def radius_options(current: str | None) -> list[tuple[str, str]]:
    """Distances in miles with km beside; a radius from a shared link is kept."""
    options = [(km_value(settings.DEFAULT_RADIUS_KM), "10 miles (16 km)")]
    for miles in RADIUS_MILES:
        km = miles * KM_PER_MILE
        if miles != 10:
            options.append((km_value(km), f"{miles} mile{'s' if miles > 1 else ''} ({km:.0f} km)"))
    options.sort(key=lambda option: float(option[0]))
    if current and current not in {value for value, _ in options}:
        try:
            km = float(current)
            options.append((current, f"{km / KM_PER_MILE:.1f} miles ({km:g} km)"))
        except ValueError:
            pass
    return options


class RadiusSelect(forms.Select):
    """The distance, showing the default when none was given."""

    def format_value(self, value: Any) -> list[str]:
        return super().format_value(value or km_value(settings.DEFAULT_RADIUS_KM))


class TrueCheckbox(forms.CheckboxInput):
    """A tick box that sends "true". It reads the parameter as given, so any other value
    still fails the field's choices, on the page and in the API alike."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, check_test=lambda value: value == "true")

    def format_value(self, value: Any) -> str:
        return "true"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class FloatFilter(django_filters.Filter):
    field_class = forms.FloatField


class TermsField(forms.Field):
    """Slugs of one taxonomy, checked against the process's copy of it (no query)."""

    widget = forms.SelectMultiple
    default_error_messages = {
        "invalid_choice": "Select a valid choice. %(value)s is not one of the available choices.",
    }

    def __init__(
        self,
        *,
        terms: Callable[[], taxonomy.Terms],
        multiple: bool,
        empty_label: str = "",
        **kwargs: Any,
    ):
        self.terms, self.multiple = terms, multiple
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple if multiple else forms.Select)
        super().__init__(**kwargs)
        blank = [] if multiple else [("", empty_label)]
        # Read when the page is drawn, from the same copy of the taxonomy that validates.
        self.widget.choices = CallableChoiceIterator(
            lambda: [*blank, *((t.slug, t.name) for t in terms().all)]
        )

    def to_python(self, value: Any) -> Any:
        values = value if isinstance(value, list | tuple) else [value]
        # A blank value (condition=) means "any", like any other blank parameter.
        slugs = [str(v).strip() for v in values if v is not None and str(v).strip()]
        by_slug = self.terms().by_slug
        for slug in slugs:
            if slug not in by_slug:
                raise ValidationError(
                    self.error_messages["invalid_choice"], "invalid_choice", {"value": slug[:60]}
                )
        found = list(dict.fromkeys(by_slug[slug] for slug in slugs))
        if self.multiple:
            return found
        return found[0] if found else None


class HintedChoiceField(FilterChoiceField):
    """Choices each with a hint under it (the NHS.UK form tags read choice_hints)."""

    def __init__(self, *, hints: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choice_hints = hints


class HintedChoiceFilter(django_filters.ChoiceFilter):
    field_class = HintedChoiceField


class TermsFilter(django_filters.Filter):
    """Any of several slugs of a taxonomy (or one, with multiple=False)."""

    field_class = TermsField


def filter_schema(
    declared: django_filters.Filter, *, with_codes: bool = True
) -> tuple[dict[str, Any], bool]:
    """The OpenAPI schema of one search parameter, and whether it may repeat."""
    kwargs = declared.extra
    if isinstance(declared, TermsFilter):
        if not with_codes:
            return {"type": "string", "maxLength": 50}, kwargs["multiple"]
        codes = list(kwargs["terms"]().by_slug)
        return {"type": "string", "enum": codes}, kwargs["multiple"]
    if isinstance(declared, django_filters.ChoiceFilter):
        return {"type": "string", "enum": [str(v) for v, _ in kwargs["choices"]]}, False
    if isinstance(declared, FloatFilter):
        schema: dict[str, Any] = {"type": "number"}
        if "min_value" in kwargs:
            schema["minimum"] = kwargs["min_value"]
        if "max_value" in kwargs:
            schema["maximum"] = kwargs["max_value"]
        if declared.field_name == "radius_km":
            schema |= {"minimum": 0, "exclusiveMinimum": True}
        return schema, False
    return {"type": "string", "maxLength": kwargs.get("max_length", 200)}, False


class SearchForm(forms.Form):
    """Checks the parameters that only make sense together, and finds the place. The
    search page renders it; its fields are SearchFilter's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["radius_km"].widget.choices = radius_options(self["radius_km"].value())

    def orientations(self) -> list[tuple[str, str]]:
        """Each orientation offered, with what it means."""
        choices = ORIENTATION_FILTER_CHOICES
        return [(label, ORIENTATION_EXPLAINED[value]) for value, label in choices]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        near = (cleaned.get("near") or "").strip()
        lat, lng = cleaned.get("lat"), cleaned.get("lng")
        # A value that failed its own validation was still given; a blank one was not.
        lat_given = lat is not None or self.has_error("lat")
        lng_given = lng is not None or self.has_error("lng")
        cleaned["place"] = None
        cleaned["point"] = None
        if near and (lat_given or lng_given):
            self.add_error("near", "Give a place or coordinates (lat and lng), not both.")
        elif lat_given != lng_given:
            self.add_error("lat", "Give both lat and lng, or neither.")
        elif near:
            self._find_place(near, cleaned)
        elif lat is not None and lng is not None:
            # Beyond 7 decimals (about 1 cm) is noise, and 5e-324 underflows in SQL.
            cleaned["point"] = (round(lat, 7), round(lng, 7))
        radius = cleaned.get("radius_km")
        if radius is not None and radius <= 0:
            self.add_error("radius_km", "The distance must be more than 0 km.")
        return cleaned

    def _find_place(self, near: str, cleaned: dict[str, Any]) -> None:
        """The place named, or an error that says what to do: choose between places of
        one name, or know that we hold no places for a postcode's area yet."""
        self.place_choices: list[Place] = []
        candidates = Place.objects.candidates(near)
        if len(candidates) == 1:
            cleaned["place"] = place = candidates[0]
            cleaned["point"] = (place.latitude, place.longitude)
        elif candidates:
            self.place_choices = candidates
            self.add_error(
                "near",
                f"There is more than one {candidates[0].name}: choose which you mean.",
            )
        elif geo.postcode_district(near):
            self.add_error(
                "near",
                f"We do not hold places for that area yet ({geo.postcode_district(near)}). "
                "Try a nearby town or postcode district.",
            )
        else:
            self.add_error(
                "near",
                f"We could not find “{near[:60]}”. Enter a UK postcode (such as LS6 3HN), "
                "a postcode district (such as LS6) or a town.",
            )


_FORM_CLASSES: dict[type[django_filters.FilterSet], type[forms.Form]] = {}


class SearchFilter(django_filters.FilterSet):
    """The search's parameters. Its queryset is search_groups() of the cleaned values."""

    # In the page's order: the summary of errors lists them so.
    near = django_filters.CharFilter(
        label="Postcode, district or town",
        max_length=100,
        help_text="For example LS6 3HN, LS6 or Leeds. We do not store what you type.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    lat = FloatFilter(label="Latitude", min_value=-90, max_value=90)
    lng = FloatFilter(label="Longitude", min_value=-180, max_value=180)
    radius_km = FloatFilter(
        label="Distance",
        max_value=settings.MAX_RADIUS_KM,
        error_messages={"max_value": f"The distance can be at most {settings.MAX_RADIUS_KM:g} km."},
        widget=RadiusSelect,
    )
    q = django_filters.CharFilter(label="Keywords", max_length=200, widget=forms.SearchInput)
    condition = TermsFilter(
        label="Condition",
        terms=taxonomy.conditions,
        multiple=True,
        help_text="Choose any that apply: a group matching one of them is shown.",
    )
    orientation = HintedChoiceFilter(
        label="Orientation",
        choices=ORIENTATION_FILTER_CHOICES,
        hints=ORIENTATION_EXPLAINED,
        empty_label="Any",
        widget=forms.RadioSelect,
    )
    group_type = TermsFilter(
        label="Type of group", terms=taxonomy.group_types, multiple=False, empty_label="Any type"
    )
    format = django_filters.ChoiceFilter(
        label="How it meets", choices=FORMAT_FILTER_CHOICES, empty_label="In person or online"
    )
    day = django_filters.ChoiceFilter(label="Day", choices=DAY_CHOICES, empty_label="Any day")
    time_of_day = django_filters.ChoiceFilter(
        label="Time of day", choices=TIME_OF_DAY_CHOICES, empty_label="Any time"
    )
    audience = TermsFilter(label="Who it is for", terms=taxonomy.audiences, multiple=True)
    language = django_filters.ChoiceFilter(
        label="Language", choices=LANGUAGE_CHOICES, empty_label="Any language"
    )
    referral = django_filters.ChoiceFilter(
        label="Referral", choices=REFERRAL_FILTER_CHOICES, empty_label="Any"
    )
    step_free = django_filters.ChoiceFilter(
        label="Step-free access only", choices=TRUE_CHOICE, widget=TrueCheckbox
    )
    include_online = django_filters.ChoiceFilter(
        label="Include online groups after local ones", choices=TRUE_CHOICE, widget=TrueCheckbox
    )

    class Meta:
        form = SearchForm

    def get_form_class(self) -> type[forms.Form]:
        """django-filter's form class, made once a process rather than once a request (it
        made a field for each filter, most of the time SearchFilter took to start): the
        fields are the same for every request, and each form copies them, as any Django
        form does. A taxonomy's choices are read when a form is drawn or checked."""
        made = _FORM_CLASSES.get(type(self))
        if made is None:
            made = _FORM_CLASSES[type(self)] = super().get_form_class()
        return made

    def filter_queryset(self, queryset: QuerySet[Group]) -> GroupQuerySet:
        if not isinstance(queryset, GroupQuerySet):
            raise TypeError("SearchFilter searches a GroupQuerySet")
        return search_groups(self.criteria(), queryset)

    def criteria(self) -> Criteria:
        data = self.form.cleaned_data
        return Criteria(
            q=(data.get("q") or "").strip(),
            point=data.get("point"),
            radius_km=data.get("radius_km") or settings.DEFAULT_RADIUS_KM,
            conditions=list(data.get("condition") or []),
            orientation=data.get("orientation") or "",
            group_type=data.get("group_type"),
            format=data.get("format") or "",
            day=WEEKDAY_CODES.index(data["day"]) if data.get("day") else None,
            time_of_day=data.get("time_of_day") or "",
            audiences=list(data.get("audience") or []),
            language=data.get("language") or "",
            step_free=data.get("step_free") == "true",
            referral=data.get("referral") or "",
            include_online=data.get("include_online") == "true",
        )
