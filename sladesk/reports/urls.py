from django.urls import path

from . import views, views_knowledge, views_whatif

app_name = "reports"
urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/keep/", views.save, name="save"),
    path("reports/kept/", views.reports, name="list"),
    path("reports/kept/<int:pk>/", views.report, name="report"),
    path("reports/kept/<int:pk>/<str:fmt>/", views.kept_export, name="kept_export"),
    path("reports/export/<str:fmt>/", views.export, name="export"),
    path("reports/tickets/", views.tickets, name="tickets"),
    path("reports/kpi/", views.year, name="kpi"),
    path("reports/knowledge/", views_knowledge.knowledge, name="knowledge"),
    path("reports/whatif/", views_whatif.whatif_page, name="whatif"),
]
