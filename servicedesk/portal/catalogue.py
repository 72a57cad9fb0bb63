"""The service catalogue as the portal shows it, and the plain words it uses for a ticket's state."""

from dataclasses import dataclass, field

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.core.refdata import cached
from servicedesk.tickets.models import Category, PendingReason, Service, Status


def local_name(obj) -> str:
    """A catalogue entry's name in the active language: the Chinese name under zh-Hans when there is one."""
    if obj is None:
        return ""
    language = (get_language() or "").lower()
    if language.startswith("zh") and getattr(obj, "name_zh", ""):
        return obj.name_zh
    return obj.name


@dataclass
class Node:
    category: Category
    children: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return local_name(self.category)


@dataclass
class ServiceNode:
    service: Service
    categories: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return local_name(self.service)


def catalogue() -> list[ServiceNode]:
    """Active services → active categories → active subcategories, in catalogue order: read (two queries)
    once per reference-data version (core.refdata), not on every form the portal shows or checks."""
    return cached("portal-catalogue", _catalogue)


def _catalogue() -> list[ServiceNode]:
    active = Service.objects.filter(is_active=True).order_by("order", "name")
    services = {s.pk: ServiceNode(s) for s in active}
    categories = Category.objects.filter(is_active=True, service_id__in=services.keys())
    categories = list(categories.order_by("order", "name", "id"))
    tops = {c.pk: Node(c) for c in categories if c.parent_id is None}
    for c in categories:
        if c.parent_id is None:
            services[c.service_id].categories.append(tops[c.pk])
        elif c.parent_id in tops:
            tops[c.parent_id].children.append(Node(c))
    return [s for s in services.values() if s.categories]


def category_options() -> list:
    """`category_choices` of the catalogue, made once per reference-data version and language: the form
    that checks a request sent needs only these, not the catalogue's tree of categories."""
    return cached("portal-category-choices", lambda: category_choices(catalogue()), per_language=True)


def category_choices(tree: list[ServiceNode]) -> list:
    """Grouped choices for a <select>: one <optgroup> per service, subcategories under their category."""
    choices = [("", str(_("I'm not sure")))]
    for service in tree:
        options = []
        for node in service.categories:
            options.append((str(node.category.pk), node.name))
            for child in node.children:
                options.append((str(child.category.pk), f"{node.name} › {child.name}"))
        choices.append((service.name, options))
    return choices


# What a customer reads for each state (the desk's words are for the desk).
PLAIN_STATUS = {
    Status.NEW: _("Received"),
    Status.ACKNOWLEDGED: _("Accepted"),
    Status.ASSIGNED: _("Being worked on"),
    Status.IN_PROGRESS: _("Being worked on"),
    Status.RESOLVED: _("Solved – please confirm"),
    Status.CLOSED: _("Closed"),
}
PLAIN_PENDING = {
    PendingReason.CUSTOMER: _("Waiting for your reply"),
    PendingReason.SUPPLIER: _("Waiting on a supplier"),
    PendingReason.CHANGE: _("Waiting on a planned change"),
    PendingReason.APPROVAL: _("Waiting for approval"),
}


def plain_status(ticket) -> str:
    if ticket.status == Status.ASSIGNED and getattr(ticket, "acknowledged_at", True) is None:
        # Routed by a rule, not yet taken up by anyone: it has been received, no more.
        return str(PLAIN_STATUS[Status.NEW])
    if ticket.status == Status.PENDING:
        return str(PLAIN_PENDING.get(ticket.pending_reason, _("On hold")))
    return str(PLAIN_STATUS.get(ticket.status, ticket.get_status_display()))


def needs_customer(ticket) -> bool:
    return ticket.status == Status.RESOLVED or (
        ticket.status == Status.PENDING and ticket.pending_reason == PendingReason.CUSTOMER
    )


# The steps of the progress bar on a request's page.
STEPS = [
    ("received", _("Received")),
    ("accepted", _("Accepted")),
    ("working", _("Being worked on")),
    ("solved", _("Solved")),
    ("closed", _("Closed")),
]
STEP_OF_STATUS = {
    Status.NEW: 0, Status.ACKNOWLEDGED: 1, Status.ASSIGNED: 2, Status.IN_PROGRESS: 2, Status.PENDING: 2,
    Status.RESOLVED: 3, Status.CLOSED: 4,
}


def progress(ticket) -> list[dict]:
    """The steps that happened, ticked: a ticket a rule routed on arrival has been received, but not
    accepted nor worked on until someone of the desk takes it up (acknowledges it or takes ownership)."""
    current = STEP_OF_STATUS.get(ticket.status, 0)
    if ticket.acknowledged_at is None and current in (1, 2):
        current = 0
    return [
        {"key": key, "label": label, "done": index < current or (index == current == len(STEPS) - 1),
         "current": index == current}
        for index, (key, label) in enumerate(STEPS)
    ]
