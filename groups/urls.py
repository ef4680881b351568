from django.urls import path, re_path

from . import api, views

app_name = "groups"
urlpatterns = [
    path("", views.search, name="search"),
    path("groups/<slug:slug>/", views.detail, name="detail"),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("api/groups/", api.group_list, name="api-group-list"),
    path("api/groups/<int:pk>/", api.group_detail, name="api-group-detail"),
    path("api/schema/", api.schema, name="api-schema"),
    path("api/", api.docs, name="api-docs"),
    # Anything else under /api/ answers in JSON, not with the HTML 404 page: so these
    # URLs are included after every other app's (directory/urls.py).
    re_path(r"^api/", api.not_found, name="api-not-found"),
]
