from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("notifications/", views.channels, name="channels"),
    path("notifications/channels/<int:pk>/test/", views.test, name="test"),
    path("notifications/channels/<int:pk>/toggle/", views.toggle, name="toggle"),
    path("notifications/channels/<int:pk>/delete/", views.delete, name="delete"),
]
