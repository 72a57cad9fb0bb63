"""Test helpers shared by the ticket and API suites: put a ticket into a given state through the
desk's own actions (so its history and timestamps are real), and read it back."""

from servicedesk.tickets import actions
from servicedesk.tickets.models import HistoryEntry, Status, Ticket

# The order in which `walk` visits the lifecycle.
WALK = [Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED,
        Status.CLOSED]
ALL_STATUSES = [str(s) for s in WALK]


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk if isinstance(ticket, Ticket) else ticket)


def history_count(ticket) -> int:
    return HistoryEntry.objects.filter(ticket_id=ticket.pk if isinstance(ticket, Ticket) else ticket).count()


def make_ticket(desk, status=Status.NEW, *, requester=None, title="Cannot print", group=None,
                **kwargs) -> Ticket:
    """A ticket filed by `requester` (customer1) through the portal, then taken to `status`:
    agent1 acknowledges it, agent1 routes it to `group` (2nd line), agent2 starts it, pends it on the
    customer, resolves it and closes it."""
    requester = requester or desk.customer1
    ticket = actions.create_ticket(actor=requester, requester=requester, title=title, **kwargs)
    return walk(desk, ticket, status, group=group)


def walk(desk, ticket, status, *, group=None) -> Ticket:
    target = WALK.index(Status(status))
    group = group or desk.second_line
    resolver = desk.agent2
    if target >= 1:
        actions.transition(ticket, "acknowledge", actor=desk.agent1)
    if target >= 2:
        actions.assign(ticket, actor=desk.agent1, group=group)
    if target >= 3:
        actions.transition(ticket, "start", actor=resolver)
    if target >= 4:
        actions.transition(ticket, "pend", actor=resolver, pending_reason="customer")
    if target >= 5:
        actions.transition(ticket, "resolve", actor=resolver, comment="Fixed.")
    if target >= 6:
        actions.transition(ticket, "close", actor=resolver)
    ticket = fresh(ticket)
    assert ticket.status == status, (ticket.status, status)
    return ticket
