from django.urls import path

from . import views, views_search

app_name = "kb"
urlpatterns = [
    path("kb/", views.article_list, name="list"),
    path("kb/new/", views.new, name="new"),
    path("kb/search/", views_search.search, name="search"),
    path("kb/review/", views.review, name="review"),
    path("kb/review/seen/", views.seen, name="seen"),
    path("kb/preview/", views.preview, name="preview"),
    path("kb/from-ticket/<str:number>/", views.from_ticket, name="from_ticket"),
    path("kb/solved-with/<str:number>/", views.link, name="link"),
    path("kb/solved-with/<str:number>/remove/", views.unlink, name="unlink"),
    path("kb/solved-with/<str:number>/search/", views_search.panel_search, name="panel_search"),
    path("kb/<str:number>/", views.article, name="article"),
    path("kb/<str:number>/edit/", views.edit, name="edit"),
    path("kb/<str:number>/history/", views.history, name="history"),
    path("kb/<str:number>/v<int:version>/", views.version, name="version"),
    path("kb/<str:number>/feedback/", views.feedback, name="feedback"),
    path("kb/<str:number>/<slug:action>/", views.change, name="change"),
    path("portal/faq/", views.faq, name="faq"),
    path("portal/faq/suggest/", views_search.suggest, name="suggest"),
    path("portal/faq/suggest/<str:number>/", views_search.suggestion, name="suggestion"),
    path("portal/faq/<str:number>/", views.faq_article, name="faq_article"),
    path("portal/faq/<str:number>/solved/", views_search.solved, name="solved"),
]
