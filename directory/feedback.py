"""How a view tells the user what became of a step it took on their behalf."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def attempt(
    request: HttpRequest,
    step: Callable[[], object],
    done: str,
    *,
    form: forms.Form | None = None,
    field: str | None = None,
) -> bool:
    """Takes a service step and says how it went: `done` as a success message, or the
    step's refusal (a ValidationError; the service changed nothing) on the form's field
    when a form is given, else as an error message. True when the step was taken."""
    try:
        step()
    except ValidationError as exc:
        if form is not None:
            form.add_error(field, exc.messages)
        else:
            messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, done)
    return True
