"""The console's queues: my tickets, owned, my groups, unassigned, unowned, all open, breaching soon and
recently updated: each one's tickets, who may open it, and its disjoint branches.

Every queue goes through `permissions.visible_tickets` (or a condition that lies inside it for desk
staff, see `_own_open`) and is read in the order of one of the ticket indexes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import Role, User
from servicedesk.tickets import permissions
from servicedesk.tickets.models import OPEN_STATUSES, Status, Ticket

from .clocks import breaching_clocks


def _open(user: User) -> QuerySet:
    return permissions.visible_tickets(user).filter(status__in=OPEN_STATUSES)


def _own_open(user: User) -> QuerySet:
    """Open tickets without the visibility rule, for the queues whose own condition (assigned to the
    user, owned by the user, in the user's groups, unrouted intake) already lies inside it for desk
    staff, the only users of the console. visible_tickets' five-way OR adds nothing there, but it
    keeps PostgreSQL from reading the partial open-queue indexes in order: the sidebar's bounded
    counts (LIMIT 1001) turned into bitmap scans of every matching row (30,000 at 1M)."""
    if not user.is_desk_staff:
        return _open(user)
    return Ticket.objects.filter(status__in=OPEN_STATUSES)


INTAKE = Q(group__isnull=True, status__in=(Status.NEW, Status.ACKNOWLEDGED))


def _unassigned(user: User) -> QuerySet:
    groups = permissions.group_ids(user)
    rule = INTAKE | Q(group__in=groups) if groups else INTAKE
    return _own_open(user).filter(rule, assignee__isnull=True)


def _unassigned_branches(user: User) -> list[QuerySet]:
    unassigned = _own_open(user).filter(assignee__isnull=True)
    return [unassigned.filter(INTAKE)] + [unassigned.filter(group_id=g) for g in permissions.group_ids(user)]


def _unowned(user: User) -> QuerySet:
    """Routed open tickets nobody owns (a rule or a robot routed them): the 1st line takes ownership."""
    return _own_open(user).filter(owner__isnull=True, group__isnull=False)


def _sees_unowned(user: User) -> bool:
    return user.sees_whole_desk or bool(permissions.first_line_team(user))


def _group_branches(user: User) -> list[QuerySet]:
    return [_own_open(user).filter(group_id=g) for g in permissions.group_ids(user)]


def _status_branches(user: User) -> list[QuerySet]:
    return [_open(user).filter(status=s) for s in OPEN_STATUSES]


def _attention(user: User) -> QuerySet:
    """The open tickets a user answers for: everything for leads and managers; an agent's own, owned
    and groups' tickets."""
    if user.role in (Role.LEAD, Role.MANAGER, Role.ADMIN):
        return _open(user)
    groups = permissions.group_ids(user)
    mine = Q(assignee=user) | Q(owner=user)
    return _own_open(user).filter(mine | Q(group__in=groups) if groups else mine)


def _breaching_branches(user: User) -> list[QuerySet]:
    return [breaching_clocks(_attention(user))]


@dataclass(frozen=True)
class Queue:
    """A queue: its tickets, and optionally the same tickets as disjoint branches.

    A queue whose condition is an OR (several groups, the intake plus groups, several statuses)
    cannot be read in updated_at order from one index: the database would collect and sort every
    matching row. Its branches each read one index range in order; the paginator merges them
    (core.pagination.paginate), so the cost stays that of a page per branch whatever the queue's size.
    """

    slug: str
    label: str
    tickets: Callable[[User], QuerySet]
    allowed: Callable[[User], bool] = lambda user: True
    branches: Callable[[User], list[QuerySet]] | None = None
    # A clock queue lists SLA/OLA clocks (soonest due first) rather than tickets in a ticket order.
    clocks: bool = False

    def label_text(self) -> str:
        return str(self.label)

    def querysets(self, user: User) -> list[QuerySet]:
        return self.branches(user) if self.branches else [self.tickets(user)]


QUEUES = [
    Queue("mine", gettext_lazy("My tickets"), lambda u: _own_open(u).filter(assignee=u)),
    Queue("owned", gettext_lazy("Tickets I own"), lambda u: _own_open(u).filter(owner=u)),
    Queue("groups", gettext_lazy("My groups"),
          lambda u: _own_open(u).filter(group__in=permissions.group_ids(u)), branches=_group_branches),
    Queue("unassigned", gettext_lazy("Unassigned"), _unassigned, branches=_unassigned_branches),
    Queue("unowned", gettext_lazy("Unowned"), _unowned, allowed=_sees_unowned),
    Queue("all", gettext_lazy("All open"), _open,
          allowed=lambda u: u.role in (Role.LEAD, Role.MANAGER, Role.ADMIN), branches=_status_branches),
    Queue("breaching", gettext_lazy("Breaching soon"), _attention, branches=_breaching_branches, clocks=True),
    Queue("recent", gettext_lazy("Recently updated"), lambda u: permissions.visible_tickets(u)),
]
QUEUES_BY_SLUG = {q.slug: q for q in QUEUES}
DEFAULT_QUEUE = "mine"


def queues_for(user: User) -> list[Queue]:
    return [q for q in QUEUES if q.allowed(user)]


def get_queue(user: User, slug: str) -> Queue:
    queue = QUEUES_BY_SLUG.get(slug)
    if queue is None or not queue.allowed(user):
        raise Http404(_("No such queue."))
    return queue
