from django.urls import path

from sladesk.front import views

app_name = "front"
urlpatterns = [
    path("", views.home, name="home"),
]
