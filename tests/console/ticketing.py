"""Helpers for the console ticket tests: tickets taken to a state through the desk's own actions."""

from servicedesk.tickets import actions
from servicedesk.tickets.models import Status, Ticket

WALK = [
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING,
    Status.RESOLVED,
    Status.CLOSED,
]


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def make_ticket(
    desk, status=Status.NEW, *, requester=None, title="Cannot print", group=None, **kwargs
) -> Ticket:
    """Filed by `requester` (customer1) on the portal; agent1 acknowledges and routes it to `group`
    (2nd line), agent2 starts, pends, resolves and closes it."""
    requester = requester or desk.customer1
    ticket = actions.create_ticket(actor=requester, requester=requester, title=title, **kwargs)
    target = WALK.index(Status(status))
    if target >= 1:
        actions.transition(ticket, "acknowledge", actor=desk.agent1)
    if target >= 2:
        actions.assign(ticket, actor=desk.agent1, group=group or desk.second_line)
    if target >= 3:
        actions.transition(ticket, "start", actor=desk.agent2)
    if target >= 4:
        actions.transition(ticket, "pend", actor=desk.agent2, pending_reason="customer")
    if target >= 5:
        actions.transition(ticket, "resolve", actor=desk.agent2, comment="Fixed.")
    if target >= 6:
        actions.transition(ticket, "close", actor=desk.agent2)
    ticket = fresh(ticket)
    assert ticket.status == status
    return ticket
