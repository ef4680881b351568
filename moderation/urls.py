from django.urls import path

from . import team_views, views

app_name = "moderation"
urlpatterns = [
    # A report is made from the group's own page, by anyone.
    path("groups/<slug:slug>/report/", views.report_group, name="report_group"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/groups/<int:pk>/", views.review_group, name="review_group"),
    path("moderation/groups/<int:pk>/history/", views.group_history, name="group_history"),
    path(
        "moderation/groups/<int:pk>/history/<int:history_id>/restore/",
        views.restore_version,
        name="restore_version",
    ),
    path("moderation/revisions/<int:pk>/", views.review_revision, name="review_revision"),
    path("moderation/reports/<int:pk>/", views.report_detail, name="report"),
    path("moderation/claims/<int:pk>/", team_views.claim_review, name="claim"),
    path(
        "moderation/replies/<int:pk>/read/", views.takedown_reply_read, name="takedown_reply_read"
    ),
    path(
        "moderation/groups/<int:pk>/organisers/",
        team_views.group_organisers,
        name="group_organisers",
    ),
    path(
        "moderation/groups/<int:pk>/invitations/<int:invitation_pk>/resend/",
        team_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "moderation/groups/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        team_views.invitation_cancel,
        name="invitation_cancel",
    ),
]
