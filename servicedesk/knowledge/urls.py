"""The knowledge base's own routes, outside the console and the portal: an article's files, which the
console's editor, the portal's pages and anonymous readers of public articles all link to."""

from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("files/<id:pk>/<str:name>", views.file_download, name="file"),
]
