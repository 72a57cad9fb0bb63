from django.urls import path

from . import approvals, notices, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_request, name="new"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<str:number>/", views.request_detail, name="request"),
    path("files/<id:attachment_id>/", views.download, name="download"),
    path("notices/<id:pk>/subscribe/", notices.subscribe, name="notice_subscribe"),
    *approvals.urlpatterns,
]
