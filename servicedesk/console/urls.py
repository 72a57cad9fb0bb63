"""The agent console's routes, collected from the screen modules."""

from django.urls import path

from servicedesk.console import approvals

from . import (
    calls,
    changes,
    cmdb,
    kb,
    kb_upkeep,
    major,
    notices,
    queue_views,
    quicklog,
    robots,
    savedviews,
    ticket,
    ticket_search,
)
from .problems import urlpatterns as problem_urls
from .report_exports import urlpatterns as report_export_urls
from .reports import urlpatterns as reports_urls
from .surveys import urlpatterns as survey_urls

app_name = "console"
urlpatterns = [
    path("", queue_views.home, name="home"),
    path("queue-counts/", queue_views.queue_counts, name="queue_counts"),
    path("queues/<slug:slug>/", queue_views.queue_view, name="queue"),
    *savedviews.urlpatterns,
    *quicklog.urlpatterns,
    *ticket_search.urlpatterns,
    *ticket.urlpatterns,
    *kb.urlpatterns,
    *kb_upkeep.urlpatterns,
    *notices.urlpatterns,
    *major.urlpatterns,
    *changes.urlpatterns,
    *robots.urlpatterns,
    *calls.urlpatterns,
    *reports_urls,
    *report_export_urls,
    *approvals.urlpatterns,
    *cmdb.urlpatterns,
    *problem_urls,
    *survey_urls,
]
