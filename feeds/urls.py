from django.urls import path

from . import views

app_name = "feeds"
urlpatterns = [
    path("moderation/feeds/", views.sources, name="sources"),
    path(
        "moderation/feeds/sources/<int:pk>/first-import/", views.first_import, name="first_import"
    ),
    path("moderation/feeds/changes/<int:pk>/", views.review_change, name="review_change"),
    path("moderation/feeds/groups/<int:pk>/merge/", views.merge, name="merge"),
    path("organisers/source-changes/<int:pk>/", views.organiser_change, name="organiser_change"),
]
