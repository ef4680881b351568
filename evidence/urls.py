from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("", views.library, name="library"),
    path("map/", views.gap_map, name="gap-map"),
    path("how-we-rate/", views.how_we_rate, name="how-we-rate"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("<slug:key>/", views.detail, name="detail"),
    path("<slug:key>/report/", views.report, name="report"),
]
