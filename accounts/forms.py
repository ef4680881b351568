from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand that my account will be deleted and cannot be brought back",
        error_messages={
            "required": "Tick the box to confirm that you want to delete your account."
        },
    )

    def __init__(self, *args, user, kept: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if kept:
            self.fields["confirm"].label = (
                "I understand that my account will be deactivated and I will no longer be "
                "able to sign in"
            )
            self.fields["confirm"].error_messages["required"] = (
                "Tick the box to confirm that you want to deactivate your account."
            )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not right.")
        return password


class LoginForm(allauth_forms.LoginForm):
    """Allauth's sign-in form in NHS.UK wording: the page itself links to a password reset."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me"

    @property
    def throttled(self) -> bool:
        """Refused for now after failed attempts (accounts/throttle.py): the page offers
        a link by email that lets the owner sign in without waiting."""
        return self.has_error(NON_FIELD_ERRORS, "throttled")


class SignupForm(allauth_forms.SignupForm):
    """Allauth's sign-up, doing the same work for an address that has an account as for
    one that has not: otherwise the time it takes says which addresses have accounts."""

    def try_save(self, request: HttpRequest) -> Any:
        if self.account_already_exists:
            # A new account's password is hashed (the dear part); hash this one too and
            # forget it. Each path then queues one email: a confirmation, or "you already
            # have an account".
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class UnlockRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter the email address you sign in with.",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
