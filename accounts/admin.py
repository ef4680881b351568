from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import enrolment

User = get_user_model()


@admin.action(description="Email a two-factor set-up link", permissions=["change"])
def send_two_factor_link(
    modeladmin: admin.ModelAdmin, request: HttpRequest, users: QuerySet
) -> None:
    """Staff set up two-factor only from a link emailed to them (accounts/enrolment.py)."""
    sent = skipped = 0
    for user in users:
        if (
            user.is_staff
            and user.is_active
            and user.email
            and not enrolment.has_authenticator(user)
        ):
            enrolment.send_link(user)
            sent += 1
        else:
            skipped += 1
    modeladmin.message_user(request, f"Sent {sent} set-up link(s); the link works for 24 hours.")
    if skipped:
        modeladmin.message_user(
            request,
            f"{skipped} not sent: only active staff with an email address and no two-factor yet.",
            messages.WARNING,
        )


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = [send_two_factor_link]
