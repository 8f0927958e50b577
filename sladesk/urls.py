from django.contrib import admin
from django.urls import include, path

from sladesk.api import api

admin.site.site_header = admin.site.site_title = "sladesk"

urlpatterns = [
    path("", include("sladesk.front.urls")),
    path("", include("sladesk.desk.urls")),
    path("", include("sladesk.people.urls")),
    path("", include("sladesk.notify.urls")),
    path("", include("sladesk.reports.urls")),
    path("", include("sladesk.catalog.urls")),
    path("", include("sladesk.agreements.urls")),
    path("", include("sladesk.kb.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language, for the switcher
]
