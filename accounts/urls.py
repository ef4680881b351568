from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accounts/", views.overview, name="overview"),
    path("accounts/delete/", views.delete, name="delete"),
    path("accounts/unlock/", views.unlock, name="unlock"),
    path("accounts/unlock/request/", views.unlock_request, name="unlock_request"),
    path("accounts/staff-enrolment/", views.staff_enrolment, name="staff_enrolment"),
    # Before allauth's own, at its address: staff set up two-factor only from their link.
    path("accounts/2fa/totp/activate/", views.activate_totp, name="mfa_activate_totp"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("privacy/organisers/", views.privacy, name="privacy_organisers"),
    # Staff sign in where two-factor authentication is checked, not on the admin's own page.
    path("admin/login/", views.admin_login, name="admin_login"),
]
