"""NHS.UK form markup for Django forms: a label, hint, error beside the field and the
input with its classes, and an error summary linking to each field in error."""

from __future__ import annotations

import html
from typing import Any

from django import forms, template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils.functional import Promise
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

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
        widget_html = input_html(field, attrs) or field.as_widget(attrs=attrs)
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
        widget_html = (
            select_html(field, attrs) or input_html(field, attrs) or field.as_widget(attrs=attrs)
        )
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
        "choices_html": choices_html(field, kind) if kind in ("radios", "checkboxes") else "",
    }


def select_html(field: BoundField, attrs: dict[str, str | bool]) -> SafeString | None:
    """A select as its widget draws it (the same attributes and selected option), without
    a template for each option: they were most of the time the search page took to draw
    its form. None for a select with option groups, or another widget."""
    widget = field.field.widget
    if not isinstance(widget, forms.Select):
        return None
    attrs = widget.build_attrs(widget.attrs, _widget_attrs(field, attrs))
    if widget.allow_multiple_selected:
        attrs["multiple"] = True  # as Select.get_context() adds it
    options = []
    for value, label, selected in _plain_choices(field):
        if isinstance(label, list | tuple):
            return None
        attr = " selected" if selected else ""
        options.append(f'<option value="{_esc(value)}"{attr}>{_esc(label)}</option>')
    listed = "\n".join(options)
    select = f'<select name="{_esc(field.html_name)}"{_attrs(attrs)}>{listed}</select>'
    return mark_safe(select)  # noqa: S308 - every value in it is escaped


# The templates of Django's widgets that only include input.html.
INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "search", "number", "email", "url", "tel", "checkbox")
}


def input_html(field: BoundField, attrs: dict[str, str | bool]) -> SafeString | None:
    """An input as Django's input.html draws it, from the widget's own context, without
    rendering the template. None for another widget (as_widget() then draws it)."""
    widget = field.field.widget
    if not isinstance(widget, forms.widgets.Input) or widget.template_name not in INPUT_TEMPLATES:
        return None
    context = widget.get_context(field.html_name, field.value(), _widget_attrs(field, attrs))
    drawn = context["widget"]
    value = "" if drawn["value"] is None else f' value="{html.escape(str(drawn["value"]))}"'
    return mark_safe(  # noqa: S308 - every value in it is escaped
        f'<input type="{_esc(drawn["type"])}" name="{_esc(drawn["name"])}"{value}'
        f"{_attrs(drawn['attrs'])}>"
    )


def _widget_attrs(field: BoundField, attrs: dict[str, str | bool]) -> dict[str, Any]:
    """The attributes BoundField.as_widget() passes its widget."""
    attrs = field.build_widget_attrs(dict(attrs), field.field.widget)
    if field.auto_id and "id" not in field.field.widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return attrs


def _attrs(attrs: dict[str, Any]) -> str:
    """Attributes in their order, as Django's attrs.html writes them (flatatt sorts); a
    value is escaped even if marked safe, as its stringformat filter has it."""
    return "".join(
        f" {_esc(name)}" if value is True else f' {_esc(name)}="{html.escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _esc(value: Any) -> str:
    """As {{ value }} writes it: escaped, unless marked safe. conditional_escape() is
    this behind a lazy-argument check that cost more than the escaping, 370 times a form."""
    if isinstance(value, Promise):  # a lazy translation: its text
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _input_class(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.Select):
        return "nhsuk-select"
    if isinstance(widget, forms.Textarea):
        return "nhsuk-textarea"
    return "nhsuk-input"


def choices_html(field: BoundField, kind: str) -> SafeString:
    """A list of radios or checkboxes in NHS.UK markup, written here rather than by a
    template loop over the widget's subwidgets: the two were most of the time the search
    page took to draw its filter form."""
    widget = field.field.widget
    hints = getattr(field.field, "choice_hints", {})
    id_ = widget.attrs.get("id") or field.auto_id
    plain = _plain_choices(field)
    if id_ and not any(isinstance(label, list | tuple) for _, label, _ in plain):
        choices = [
            (f"{id_}_{index}", field.html_name, widget.input_type, *choice)
            for index, choice in enumerate(plain)
        ]
    else:  # grouped choices, or no ids: as Django's subwidgets have them
        choices = [
            (c.id_for_label, c.data["name"], c.data["type"], str(c.data["value"]),
             c.choice_label, c.data["selected"])
            for c in field.subwidgets
        ]  # fmt: skip
    return mark_safe(  # noqa: S308 - every value in it is escaped
        "".join(_choice_html(kind, *choice, hint=hints.get(choice[3], "")) for choice in choices)
    )


def _plain_choices(field: BoundField) -> list[tuple[str, Any, bool]]:
    """(value, label, selected) of each choice, as ChoiceWidget.optgroups() decides them,
    without the dict of attributes it builds for each. A group's label is its choices."""
    widget = field.field.widget
    values = set(widget.format_value(field.value()))
    found = False
    choices = []
    for value, label in widget.choices:
        value = "" if value is None else str(value)
        # Only the first match of a single choice is selected, as in optgroups().
        selected = (not found or widget.allow_multiple_selected) and value in values
        found |= selected
        choices.append((value, label, selected))
    return choices


def _choice_html(
    kind: str, id_: str, name: str, type_: str, value: str, label: Any, checked: bool, hint: str
) -> str:
    # Whitespace as form_field.html's loop wrote it, so the page is byte for byte the same.
    described = f' aria-describedby="{_esc(id_)}-hint"' if hint else ""
    hint_html = (
        f'<div class="nhsuk-hint nhsuk-{kind}__hint" id="{_esc(id_)}-hint">{_esc(hint)}</div>'
        if hint
        else ""
    )
    return (
        f'\n      <div class="nhsuk-{kind}__item">\n        <input class="nhsuk-{kind}__input" '
        f'id="{_esc(id_)}" name="{_esc(name)}" type="{_esc(type_)}" value="{_esc(value)}"'
        f"{' checked' if checked else ''}{described}>\n        "
        f'<label class="nhsuk-label nhsuk-{kind}__label" for="{_esc(id_)}">{_esc(label)}</label>'
        f"\n        {hint_html}\n      </div>\n      "
    )


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
