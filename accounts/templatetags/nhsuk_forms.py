"""NHS.UK form markup for Django forms: a label, hint, error beside the field and the
input with its classes, and an error summary linking to each field in error."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def kind_of(field: BoundField) -> str:
    """How NHS.UK draws the field: "radios", "checkboxes" (a list of choices), a single
    "checkbox", a "select" or an "input". By the widget's class, so subclasses count."""
    widget = field.field.widget
    # CheckboxSelectMultiple is a RadioSelect: ask about it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


def field_anchor(field: BoundField) -> str:
    """The id the summary links to: the input itself, or the first of a list of choices."""
    if kind_of(field) in ("radios", "checkboxes"):
        return f"{field.auto_id}_0"
    return field.auto_id


REQUIRED = "This field is required."


def error_messages(field: BoundField) -> list[str]:
    """The field's errors, with Django's bare "This field is required." said in words
    that name the field, as the NHS design system asks."""
    label = str(field.label or "").rstrip(":")
    kind = kind_of(field)
    if label.endswith("?"):
        required = f"Answer the question: {label}"
    elif kind in ("radios", "checkboxes", "select"):
        required = f"Choose {label[:1].lower()}{label[1:]}"
    elif kind == "checkbox":
        required = f"Tick the box: {label}"
    else:
        required = f"Enter {label[:1].lower()}{label[1:]}"
    return [required if str(e) == REQUIRED else str(e) for e in field.errors]


@register.inclusion_tag("includes/form_field.html")
def nhsuk_field(
    field: BoundField,
    show_errors: bool = True,
    width: str = "",
    legend_size: str = "s",
    hint: str = "",
    optional: bool | None = None,
    list_class: str = "",
) -> dict[str, Any]:
    """`optional=False` leaves "(optional)" off a field that is needed only sometimes (its
    hint says when); `list_class` is added to a list of choices' box."""
    errors = error_messages(field) if show_errors else []
    field_id = field.auto_id
    hint = hint or str(field.help_text or "")
    described = [f"{field_id}-hint"] if hint else []
    if errors:
        described.append(f"{field_id}-error")
    kind = kind_of(field)
    widget_html = ""
    attrs: dict[str, str | bool]
    if kind == "checkbox":
        attrs = {"class": "nhsuk-checkboxes__input"}
        if described:
            attrs["aria-describedby"] = " ".join(described)
        widget_html = field.as_widget(attrs=attrs)
    elif kind in ("select", "input"):
        css, kind = _input_class(field), "input"
        classes = [css]
        if errors:
            classes.append(f"{css}--error")
        if width and css == "nhsuk-input":
            classes.append(f"nhsuk-input--width-{width}")
        attrs = {"class": " ".join(classes)}
        if described:
            attrs["aria-describedby"] = " ".join(described)
        widget_html = select_html(field, attrs) or field.as_widget(attrs=attrs)
    return {
        "field": field,
        "id": field_id,
        "kind": kind,
        "errors": errors,
        "hint": hint,
        "described": " ".join(described),
        "widget_html": widget_html,
        "optional": (
            not field.field.required and kind not in ("checkbox",) if optional is None else optional
        ),
        "legend_size": legend_size,
        "list_class": list_class,
        "choices": _choices(field) if kind in ("radios", "checkboxes") else [],
    }


def select_html(field: BoundField, attrs: dict[str, str | bool]) -> SafeString | None:
    """A select as its widget draws it (the same context and attributes), without a
    template for each option: they were most of the time the search page took to draw
    its form. None for a select with option groups, or another widget."""
    widget = field.field.widget
    if not isinstance(widget, forms.Select):
        return None
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    groups = context["optgroups"]
    if any(name for name, _, _ in groups):
        return None
    options = [option for _, group, _ in groups for option in group]
    return format_html(
        '<select name="{}"{}>{}</select>',
        field.html_name,
        _attrs(context["attrs"]),
        format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            ((str(o["value"]), _attrs(o["attrs"]), o["label"]) for o in options),
        ),
    )


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """Attributes in their order, as Django's attrs.html writes them (flatatt sorts)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


def _input_class(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.Select):
        return "nhsuk-select"
    if isinstance(widget, forms.Textarea):
        return "nhsuk-textarea"
    return "nhsuk-input"


def _choices(field: BoundField) -> list[dict[str, Any]]:
    hints = getattr(field.field, "choice_hints", {})
    return [
        {
            "id": choice.id_for_label,
            "name": choice.data["name"],
            "type": choice.data["type"],
            "value": choice.data["value"],
            "checked": choice.data["selected"],
            "label": choice.choice_label,
            "hint": hints.get(str(choice.data["value"]), ""),
        }
        for choice in field.subwidgets
    ]


@register.inclusion_tag("includes/form_error_summary.html")
def nhsuk_error_summary(*forms: BaseForm | BaseFormSet | None) -> dict[str, Any]:
    """Every error of the given forms and formsets, in page order, each linking to its
    field (or to the form's top for errors about the whole form)."""
    items: list[tuple[str, str]] = []

    def add(form: BaseForm) -> None:
        for error in form.non_field_errors():
            items.append(("maincontent", str(error)))
        for field in form:
            if not field.is_hidden:
                items.extend((field_anchor(field), error) for error in error_messages(field))

    for form in forms:
        if form is None or not form.is_bound:
            continue
        if isinstance(form, BaseFormSet):
            items.extend(("maincontent", str(e)) for e in form.non_form_errors())
            for each in form.forms:
                add(each)
        else:
            add(form)
    return {"items": items}


@register.filter
def error_count(forms: list) -> int:
    return len(nhsuk_error_summary(*forms)["items"])


@register.simple_tag
def hidden_fields(form: BaseForm) -> str:
    return format_html_join("", "{}", ((f,) for f in form.hidden_fields()))
