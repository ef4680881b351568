from __future__ import annotations

from allauth.account import forms as allauth_forms
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS


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

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

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


class UnlockRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter the email address you sign in with.",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
