"""A ticket change whose answer cannot be read — the database lost just after the change was written — is a
503 and is not stored: a client told 503 sends again, so a stored change would be made twice. The API reads
its answer inside the change's transaction."""

import pytest
from django.db import OperationalError, connection

from servicedesk.tickets.models import Status, Ticket
from tests.tickets.lifecycle import fresh, make_ticket


def lost_after(written: str):
    """An execute wrapper: once `written` (an INSERT or UPDATE of tickets) ran, the next read of a ticket with
    its joined rows (the answer's) fails as a lost connection does."""
    state = {"written": False}

    def wrapper(execute, sql, params, many, context):
        if sql.startswith(written):
            state["written"] = True
        elif state["written"] and sql.startswith("SELECT") and 'FROM "tickets_ticket"' in sql and "JOIN" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return wrapper


def failing(api, username):
    client = api(username)
    client.client.raise_request_exception = False
    return client


@pytest.mark.parametrize("request_kind", ["transition", "create"])
def test_a_change_answered_503_is_not_stored(api, desk, request_kind):
    agent = failing(api, "agent1")
    ticket = make_ticket(desk, Status.NEW, title="Printer jams")
    version = fresh(ticket).version
    if request_kind == "transition":
        with connection.execute_wrapper(lost_after('UPDATE "tickets_ticket"')):
            response = agent.post(f"tickets/{ticket.pk}/transitions", {"action": "acknowledge", "version": version})
    else:
        with connection.execute_wrapper(lost_after('INSERT INTO "tickets_ticket"')):
            response = agent.post("tickets", {"title": "Scanner offline", "description": "It is off.",
                                              "requester": desk.customer1.pk})
    assert response.status_code == 503, response.content
    assert response.json_body["message"] == "The desk's database is unavailable for a moment. Try again shortly."
    assert fresh(ticket).version == version and fresh(ticket).status == Status.NEW
    assert not Ticket.objects.filter(title="Scanner offline").exists()
