"""Each app's URLs are in its own urls.py; this only includes them."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("referrals.urls")),
    path("", include("exchange.urls")),
    path("evidence/", include("evidence.urls")),
    # Before allauth's: accounts' own pages and its stand-ins at allauth's addresses.
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("organisers/", include("organisers.urls")),
    path("", include("feeds.urls")),
    path("", include("moderation.urls")),
    path("admin/", admin.site.urls),
    # Last: it ends with the catch-all for unknown /api/ addresses.
    path("", include("groups.urls")),
]
