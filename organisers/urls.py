from django.urls import path

from . import answer_views, team_views, views

app_name = "organisers"
urlpatterns = [
    path("", views.my_groups, name="my_groups"),
    path("groups/new/", views.group_new, name="group_new"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/submit/", views.group_submit, name="group_submit"),
    path("groups/<int:pk>/check/", views.group_check, name="group_check"),
    path("groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
    path("groups/<int:pk>/pause/", views.group_pause, name="group_pause"),
    path("groups/<int:pk>/resume/", views.group_resume, name="group_resume"),
    path("groups/<int:pk>/withdraw/", views.revision_withdraw, name="revision_withdraw"),
    path(
        "groups/<int:pk>/withdraw-from-review/",
        views.submission_withdraw,
        name="submission_withdraw",
    ),
    path("groups/<int:pk>/confirm/", views.group_confirm, name="group_confirm"),
    path("groups/<int:pk>/close/", views.group_close, name="group_close"),
    path("groups/<int:pk>/reopen/", views.group_reopen, name="group_reopen"),
    path("groups/<int:pk>/invite/", team_views.group_invite, name="group_invite"),
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
    path(
        "groups/<int:pk>/organisers/<int:owner_pk>/remove/",
        team_views.organiser_remove,
        name="organiser_remove",
    ),
    path("groups/<int:pk>/leave/", team_views.group_leave, name="group_leave"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("claim/<slug:slug>/", team_views.claim_group, name="claim"),
    path("still-meeting/<str:token>/", answer_views.still_meeting, name="still_meeting"),
    path("edit/<str:token>/", answer_views.edit_from_email, name="edit_from_email"),
    path(
        "groups/<int:pk>/reports/<int:report_pk>/answer/",
        answer_views.report_answer,
        name="report_answer",
    ),
    path("groups/<int:pk>/takedown/reply/", answer_views.takedown_reply, name="takedown_reply"),
    path("claims/<str:token>/", team_views.claim_answer, name="claim_answer"),
]
