from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("shortlist/", views.shortlist, name="shortlist"),
    path("shortlist/add/", views.shortlist_add, name="shortlist_add"),
    path("shortlist/remove/", views.shortlist_remove, name="shortlist_remove"),
    path("shortlist/clear/", views.shortlist_clear, name="shortlist_clear"),
    path("referral/", views.sheet, name="sheet"),
    path("referral.txt", views.text, name="text"),
    path("groups/<slug:slug>/referral/", views.group_sheet, name="group_sheet"),
    path("groups/<slug:slug>/referral.txt", views.group_text, name="group_text"),
    path("groups/<slug:slug>/calendar.ics", views.calendar, name="calendar"),
    # Short, for a QR code printed on a sheet.
    path("p/<int:pk>/", views.patient, name="patient"),
]
