from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("", views.library, name="library"),
    path("map/", views.gap_map, name="gap-map"),
    path("<slug:key>/", views.detail, name="detail"),
]
