"""The admin's user pages: staff accounts are deactivated, never deleted, so that the
admin's own log keeps who changed what (accounts.services.kept_for_the_audit_log)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import enrolment
from .services import deactivate, kept_for_the_audit_log

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


@admin.action(
    description="Deactivate the selected accounts (they can no longer sign in)",
    permissions=["change"],
)
def deactivate_accounts(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
    for user in queryset:
        deactivate(user)
    messages.success(request, f"Deactivated {len(queryset)} account(s).")


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = [send_two_factor_link, deactivate_accounts]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Without obj, this is asked for deleting in bulk (the "delete selected" action),
        # which could take a staff account with it: deactivate them instead.
        if obj is None or kept_for_the_audit_log(obj):
            return False
        return super().has_delete_permission(request, obj)
