from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("groups/<int:pk>/", views.review_group, name="review_group"),
    path("groups/<int:pk>/history/", views.group_history, name="group_history"),
    path(
        "groups/<int:pk>/history/<int:history_id>/restore/",
        views.restore_version,
        name="restore_version",
    ),
    path("revisions/<int:pk>/", views.review_revision, name="review_revision"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
]
