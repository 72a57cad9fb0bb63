"""Routes of the ticket page and of canned responses (all in the `console` namespace)."""

from django.urls import path

from . import ticket_canned as canned
from . import ticket_knowledge as knowledge
from . import ticket_views as views

urlpatterns = [
    path("tickets/<str:number>/", views.ticket_page, name="ticket"),
    path("tickets/<str:number>/reply/", views.reply, name="ticket_reply"),
    path("tickets/<str:number>/transition/<slug:action>/", views.do_transition, name="ticket_transition"),
    path("tickets/<str:number>/assign/", views.assign, name="ticket_assign"),
    path("tickets/<str:number>/own/", views.take_ownership, name="ticket_own"),
    path("tickets/<str:number>/duplicates/", views.duplicates, name="ticket_duplicates"),
    path("tickets/<str:number>/route/", views.route, name="ticket_route"),
    path("tickets/<str:number>/assign/members/", views.assign_members, name="ticket_assign_members"),
    path("tickets/<str:number>/priority/", views.priority, name="ticket_priority"),
    path("tickets/<str:number>/category/", views.category, name="ticket_category"),
    path("tickets/<str:number>/links/", views.add_link, name="ticket_link"),
    path("tickets/<str:number>/links/<id:link_id>/remove/", views.remove_link, name="ticket_unlink"),
    path("tickets/<str:number>/merge/", views.merge, name="ticket_merge"),
    path("tickets/<str:number>/time/", views.log_time, name="ticket_time"),
    path("tickets/<str:number>/watchers/", views.watchers, name="ticket_watchers"),
    path("tickets/<str:number>/canned/", views.canned_apply, name="ticket_canned"),
    path("tickets/<str:number>/attachments/<id:attachment_id>/", views.download, name="ticket_attachment"),
    path("tickets/<str:number>/knowledge/", knowledge.knowledge_panel, name="ticket_knowledge"),
    path("tickets/<str:number>/articles/<id:article_id>/remove/", knowledge.unlink, name="ticket_article_unlink"),
    path("tickets/<str:number>/draft-article/", knowledge.draft, name="ticket_draft_article"),
    path("canned/", canned.canned_list, name="canned"),
    path("canned/new/", canned.canned_edit, name="canned_new"),
    path("canned/<id:pk>/", canned.canned_edit, name="canned_edit"),
    path("canned/<id:pk>/delete/", canned.canned_delete, name="canned_delete"),
]
