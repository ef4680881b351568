from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.search, name="search"),
    path("groups/<slug:slug>/", views.detail, name="detail"),
    path("about/", views.about, name="about"),
]
