from django.contrib import admin
from django.urls import include, path, re_path

from groups import api, views

urlpatterns = [
    path("", include("groups.urls")),
    path("", include("referrals.urls")),
    path("", include("exchange.urls")),
    path("evidence/", include("evidence.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("api/groups/", api.group_list, name="api-group-list"),
    path("api/groups/<int:pk>/", api.group_detail, name="api-group-detail"),
    path("api/schema/", api.schema, name="api-schema"),
    path("admin/", admin.site.urls),
    # Anything else under /api/ answers in JSON, not with the HTML 404 page.
    re_path(r"^api/", api.not_found),
]
