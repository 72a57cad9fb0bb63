"""Change conflicts, flagged (never refused) on the change's page, the calendar and when a change is
scheduled: two changes on one configuration item whose windows overlap, and a change inside a freeze.

One function for all: `find(changes)` reads the other changes that may collide, their items and the freezes in
three queries, whatever the number of changes asked about (a month of the calendar)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from django.utils.translation import gettext as _

from servicedesk.cmdb.models import TicketItem

from .models import HOLDING, ChangeRecord, FreezeWindow


@dataclasses.dataclass
class Conflict:
    kind: str  # "item" or "freeze"
    other: ChangeRecord | None = None
    items: list[str] = dataclasses.field(default_factory=list)
    freeze: FreezeWindow | None = None

    def text(self, visible: set[int] | None = None) -> str:
        """As the reader reads it; a change the reader may not see is not named (`visible`: ticket ids)."""
        if self.kind == "freeze":
            return _("Inside the change freeze “%(reason)s”") % {"reason": self.freeze.shown_reason()}
        other = self.other
        name = other.ticket.number if visible is None or other.ticket_id in visible else _("another change")
        return _("%(change)s works on %(items)s in an overlapping window") % {
            "change": name, "items": ", ".join(self.items)}


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def find(changes: list[ChangeRecord]) -> dict[int, list[Conflict]]:
    """The conflicts of each change that has a window, by change id (changes without one: none)."""
    planned = [c for c in changes if c.has_window]
    found: dict[int, list[Conflict]] = {c.pk: [] for c in changes}
    if not planned:
        return found
    low, high = min(c.planned_start for c in planned), max(c.planned_end for c in planned)
    others = {c.pk: c for c in ChangeRecord.objects.filter(
        state__in=HOLDING, planned_start__lt=high, planned_end__gt=low).select_related("ticket")}
    others.update({c.pk: c for c in planned})
    items: dict[int, dict[int, str]] = defaultdict(dict)  # ticket id → {item id: name}
    for ticket_id, item_id, name in TicketItem.objects.filter(
            ticket_id__in={c.ticket_id for c in others.values()}).values_list("ticket_id", "item_id", "item__name"):
        items[ticket_id][item_id] = name
    freezes = list(FreezeWindow.objects.filter(starts_at__lt=high, ends_at__gt=low).order_by("starts_at", "id"))
    for change in planned:
        mine = items.get(change.ticket_id, {})
        for other in sorted(others.values(), key=lambda c: (c.planned_start, c.pk)):
            if other.pk == change.pk or other.state not in HOLDING:
                continue
            shared = sorted(mine[i] for i in set(mine) & set(items.get(other.ticket_id, {})))
            if shared and _overlap(change.planned_start, change.planned_end, other.planned_start, other.planned_end):
                found[change.pk].append(Conflict("item", other=other, items=shared))
        for freeze in freezes:
            if _overlap(change.planned_start, change.planned_end, freeze.starts_at, freeze.ends_at):
                found[change.pk].append(Conflict("freeze", freeze=freeze))
    return found


def of(change: ChangeRecord) -> list[Conflict]:
    return find([change])[change.pk]
