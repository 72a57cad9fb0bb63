"""A portal request answered 503 is not stored: what the request writes after the ticket (the help articles
opened while it was typed, tied to it) is in the ticket's transaction, so a database lost then rolls the
ticket back with the 503 and the customer may send the form again."""

from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from servicedesk.knowledge.models import ArticleEvent
from servicedesk.tickets.models import Ticket


def lost_at(statement: str):
    """An execute wrapper: `statement` fails as a lost connection does."""
    def wrapper(execute, sql, params, many, context):
        if sql.startswith(statement):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)
    return wrapper


def test_a_portal_request_answered_503_is_not_stored(desk):
    client = Client(raise_request_exception=False)
    client.force_login(desk.customer1)
    table = connection.ops.quote_name(ArticleEvent._meta.db_table)
    with connection.execute_wrapper(lost_at(f"UPDATE {table}")):
        response = client.post(reverse("portal:new"), {"type": "incident", "title": "Scanner offline",
                                                         "description": "", "urgency": "2",
                                                         "draft": "draft-key-0123456789ab"})
    assert response.status_code == 503
    assert not Ticket.objects.filter(title="Scanner offline").exists()
