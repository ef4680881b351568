from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("", views.library, name="library"),
    path("<slug:key>/", views.detail, name="detail"),
]
