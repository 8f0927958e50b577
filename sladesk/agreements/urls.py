from django.urls import path

from . import views

app_name = "agreements"
urlpatterns = [
    path("agreements/", views.agreement_list, name="list"),
    path("agreements/<str:number>/", views.detail, name="detail"),
    path("agreements/<str:number>/v<int:version>/", views.version, name="version"),
    path("agreements/<str:number>/amend/", views.amend, name="amend"),
    path("agreements/<str:number>/earliest/", views.earliest, name="earliest"),
    path("agreements/<str:number>/objection/", views.objection, name="objection"),
    path("agreements/<str:number>/review/", views.review, name="review"),
    path("agreements/<str:number>/sign/", views.sign, name="sign"),
]
