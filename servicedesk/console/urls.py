"""The agent console. Each screen module owns its own routes."""

from . import queues, ticket

app_name = "console"
urlpatterns = queues.urlpatterns + ticket.urlpatterns
