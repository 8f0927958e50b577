from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("portal/catalog/", views.catalog, name="catalog"),
    path("portal/catalog/<slug:code>/", views.service, name="service"),
    path("reports/availability/<slug:code>/", views.availability_page, name="availability"),
]
