from django.contrib import admin
from django.urls import include, path

from groups import api, views

urlpatterns = [
    path("", include("groups.urls")),
    path("evidence/", include("evidence.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("api/groups/", api.group_list, name="api-group-list"),
    path("api/groups/<int:pk>/", api.group_detail, name="api-group-detail"),
    path("api/schema/", api.schema, name="api-schema"),
    path("admin/", admin.site.urls),
]
