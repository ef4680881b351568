from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("delete/", views.delete, name="delete"),
    path("unlock/", views.unlock, name="unlock"),
    path("unlock/request/", views.unlock_request, name="unlock_request"),
    path("staff-enrolment/", views.staff_enrolment, name="staff_enrolment"),
]
