from django.urls import path

from . import api, views

app_name = "exchange"
urlpatterns = [
    path("api/meeting-guide.json", api.meeting_guide_feed, name="meeting_guide"),
    path("api/hsds/", api.root, name="hsds_root"),
    path("api/hsds/services/", api.service_list, name="hsds_services"),
    path("api/hsds/services/<str:id>", api.service_detail, name="hsds_service"),
    path("api/hsds/services/<str:id>/", api.service_detail, name="hsds_service_slash"),
    path(
        "api/hsds/service_at_locations/",
        api.service_at_location_list,
        name="hsds_service_at_locations",
    ),
    path(
        "api/hsds/service_at_locations/<str:id>",
        api.service_at_location_detail,
        name="hsds_service_at_location",
    ),
    path(
        "api/hsds/service_at_locations/<str:id>/",
        api.service_at_location_detail,
        name="hsds_service_at_location_slash",
    ),
    path("api/hsds/organizations/", api.organization_list, name="hsds_organizations"),
    path("api/hsds/organizations/<str:id>", api.organization_detail, name="hsds_organization"),
    path(
        "api/hsds/organizations/<str:id>/", api.organization_detail, name="hsds_organization_slash"
    ),
    path("api/hsds/taxonomies/", api.taxonomy_list, name="hsds_taxonomies"),
    path("api/hsds/taxonomies/<str:id>", api.taxonomy_detail, name="hsds_taxonomy"),
    path("api/hsds/taxonomies/<str:id>/", api.taxonomy_detail, name="hsds_taxonomy_slash"),
    path("api/hsds/taxonomy_terms/", api.term_list, name="hsds_terms"),
    path("api/hsds/taxonomy_terms/<str:id>", api.term_detail, name="hsds_term"),
    path("api/hsds/taxonomy_terms/<str:id>/", api.term_detail, name="hsds_term_slash"),
    path("export.csv", views.search_export, name="search_export"),
    path("staff/export.csv", views.staff_export, name="staff_export"),
    path("staff/import/", views.staff_import, name="staff_import"),
    path("staff/import/confirm/", views.staff_import_confirm, name="staff_import_confirm"),
    path("staff/import/preview/", views.staff_import_preview, name="staff_import_preview"),
]
