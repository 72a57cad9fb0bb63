"""Routes of the knowledge base in the console (all in the `console` namespace)."""

from django.urls import path

from . import kb_editor as editor
from . import kb_views as views

urlpatterns = [
    path("kb/", views.article_list, name="kb"),
    path("kb/new/", editor.edit, name="kb_new"),
    path("kb/preview/", editor.preview, name="kb_preview"),
    path("kb/categories/", editor.categories, name="kb_categories"),
    path("kb/<id:pk>/", views.article_view, name="kb_article"),
    path("kb/<id:pk>/edit/", editor.edit, name="kb_edit"),
    path("kb/<id:pk>/submit/", views.submit, name="kb_submit"),
    path("kb/<id:pk>/publish/", views.publish, name="kb_publish"),
    path("kb/<id:pk>/unpublish/", views.unpublish, name="kb_unpublish"),
    path("kb/<id:pk>/delete/", views.delete, name="kb_delete"),
    path("kb/<id:pk>/translate/", views.translate, name="kb_translate"),
    path("kb/<id:pk>/versions/", views.versions, name="kb_versions"),
    path("kb/<id:pk>/diff/", views.diff, name="kb_diff"),
    path("kb/<id:pk>/restore/", views.restore, name="kb_restore"),
    path("kb/<id:pk>/files/", editor.file_add, name="kb_file_add"),
    path("kb/<id:pk>/files/<id:file_id>/remove/", editor.file_remove, name="kb_file_remove"),
]
