from django.urls import path

from . import team_views, views

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
    path("claims/<int:pk>/", team_views.claim_review, name="claim"),
    path("replies/<int:pk>/read/", views.takedown_reply_read, name="takedown_reply_read"),
    path("groups/<int:pk>/organisers/", team_views.group_organisers, name="group_organisers"),
    path(
        "groups/<int:pk>/invitations/<int:invitation_pk>/resend/",
        team_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "groups/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        team_views.invitation_cancel,
        name="invitation_cancel",
    ),
]
