from django.urls import path

from sladesk.desk import views

app_name = "desk"
urlpatterns = [
    path("desk/", views.start, name="start"),
    path("portal/", views.portal, name="portal"),
    path("portal/new/", views.new_ticket, name="new"),
    path("queue/", views.queue, name="queue"),
    path("queue/agents/", views.agents, name="agents"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/received/", views.received, name="received"),
    path("tickets/<str:number>/<slug:action>/", views.ticket_action, name="act"),
    path("attachments/<int:pk>/<str:name>", views.attachment, name="attachment"),
]
