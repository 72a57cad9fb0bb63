"""The agent console. Each screen module owns its own routes."""

from . import queues, ticket, ticket_search

app_name = "console"
urlpatterns = queues.urlpatterns + ticket_search.urlpatterns + ticket.urlpatterns
