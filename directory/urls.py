from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as account_views
from directory import views as directory_views
from groups import api, views
from moderation import views as moderation_views

urlpatterns = [
    path("", include("groups.urls")),
    path("", include("referrals.urls")),
    path("", include("exchange.urls")),
    path("evidence/", include("evidence.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", directory_views.favicon, name="favicon"),
    path("api/groups/", api.group_list, name="api-group-list"),
    path("api/groups/<int:pk>/", api.group_detail, name="api-group-detail"),
    path("api/schema/", api.schema, name="api-schema"),
    path("api/", api.docs, name="api-docs"),
    path("groups/<slug:slug>/report/", moderation_views.report_group, name="report_group"),
    path("accounts/", include("accounts.urls")),
    # Before allauth's own, at its address: staff set up two-factor only from their link.
    path("accounts/2fa/totp/activate/", account_views.activate_totp, name="mfa_activate_totp"),
    path("accounts/", include("allauth.urls")),
    path("privacy/", account_views.privacy_notice, name="privacy"),
    path("privacy/organisers/", account_views.privacy, name="privacy_organisers"),
    path("organisers/", include("organisers.urls")),
    path("", include("feeds.urls")),
    path("moderation/", include("moderation.urls")),
    # Staff sign in where two-factor authentication is checked, not on the admin's own page.
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    # Anything else under /api/ answers in JSON, not with the HTML 404 page.
    re_path(r"^api/", api.not_found, name="api-not-found"),
]
