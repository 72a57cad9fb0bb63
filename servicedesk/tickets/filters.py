"""The one ticket filter: the API's list, the console's queues, saved views and the search page read their
query parameters here, with the same validation and the same refusals (NetBox's shared filtersets are
the model).

`parse` reads the parameters (a QueryDict) without touching the database and raises `FilterError`,
whose message names the parameter and the value it refuses; `TicketFilter.apply` narrows a queryset
for a user. Every parameter may be left out or empty (no filter); lists may be repeated or
comma-separated.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from servicedesk import search
from servicedesk.core.errors import ActionError
from servicedesk.core.inputs import parse_id
from servicedesk.core.pagination import MAX_YEAR, MIN_YEAR

from .models import OPEN_STATUSES, Channel, Priority, Status, TicketType


class FilterError(ActionError):
    """A filter value the desk cannot read. The API answers 422 (like its other parameter errors); the
    console's queue page shows the message with status 400."""

    status_code = 422

    def __init__(self, name: str, value: str, message: str):
        super().__init__(message)
        self.name, self.value = name, value


# ?ordering= value → (field, descending). `due_at` orders by the ticket's soonest running clock that the
# user sees (the `next_due` annotation); tickets without one come last either way.
ORDERINGS = {
    "-updated_at": ("updated_at", True), "updated_at": ("updated_at", False),
    "-created_at": ("created_at", True), "created_at": ("created_at", False),
    "priority": ("priority", False), "-priority": ("priority", True),
    "-id": ("id", True), "id": ("id", False),
    "-number": ("number", True), "number": ("number", False),
    "due_at": ("next_due", False), "-due_at": ("next_due", True),
}
DEFAULT_ORDERING = "-updated_at"
NEXT_DUE = "next_due"
PEOPLE = ("assignee", "owner", "requester")
PARAMS = ("q", "status", "type", "priority", "group", *PEOPLE, "category", "channel", "organisation",
          "breached", "due_before")
PRIORITY_NAMES = {priority.name.lower(): priority.value for priority in Priority}
# pydantic's words for a boolean (what the API's `breached` took before this filter).
TRUE = {"1", "true", "t", "yes", "y", "on"}
FALSE = {"0", "false", "f", "no", "n", "off"}
MAX_SHOWN = 60
MOMENT = TypeAdapter(datetime.datetime)


def _refuse(name: str, value: str, why: str):
    shown = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"
    raise FilterError(name, value, _("Filter “%(name)s”: “%(value)s” %(why)s") % {
        "name": name, "value": shown, "why": why})


def _values(params: QueryDict, name: str) -> list[str]:
    return [part.strip() for value in params.getlist(name) for part in value.split(",") if part.strip()]


def _one(params: QueryDict, name: str) -> str:
    return (params.get(name) or "").strip()


def _choices(params: QueryDict, name: str, allowed, extra: tuple = ()) -> tuple:
    values = _values(params, name)
    for value in values:
        if value not in allowed and value not in extra:
            _refuse(name, value, _("is not one of: %(choices)s.") % {"choices": ", ".join([*extra, *allowed])})
    return tuple(dict.fromkeys(values))


def _id(name: str, value: str) -> int:
    pk = parse_id(value)
    if pk is None:
        _refuse(name, value, _("is not an id."))
    return pk


def _priority(value: str) -> int:
    level = PRIORITY_NAMES.get(value.lower()) or parse_id(value)
    if level not in Priority.values:
        _refuse("priority", value, _("is not a priority (1 to 5, or %(names)s).") % {
            "names": ", ".join(PRIORITY_NAMES)})
    return level


def _person(name: str, value: str) -> str | int:
    if value in ("me", "none"):
        return value
    pk = parse_id(value)
    if pk is None:
        _refuse(name, value, _("is not a user id, “me” or “none”."))
    return pk


def _flag(value: str) -> bool:
    if value.lower() in TRUE | FALSE:
        return value.lower() in TRUE
    _refuse("breached", value, _("is not true or false."))


def _moment(value: str) -> datetime.datetime:
    try:
        moment = MOMENT.validate_python(value)
    except PydanticError:
        moment = None
    if moment is None or timezone.is_naive(moment) or not MIN_YEAR <= moment.year <= MAX_YEAR:
        _refuse("due_before", value, _("is not a time with a time zone and a year from %(min)d to %(max)d "
                                       "(e.g. 2026-01-31T18:00:00+08:00).") % {"min": MIN_YEAR, "max": MAX_YEAR})
    return moment


@dataclass(frozen=True)
class TicketFilter:
    statuses: tuple = ()
    types: tuple = ()
    priorities: tuple = ()
    groups: tuple = ()
    people: tuple = ()  # (field, "me" | "none" | user id)
    organisation: int | None = None
    category: int | None = None
    channels: tuple = ()
    text: str = ""
    breached: bool | None = None
    due_before: datetime.datetime | None = None
    ordering: str = DEFAULT_ORDERING

    @property
    def field(self) -> str:
        return ORDERINGS[self.ordering][0]

    @property
    def descending(self) -> bool:
        return ORDERINGS[self.ordering][1]

    @property
    def nulls_last(self) -> bool:
        return self.field == NEXT_DUE

    def apply(self, queryset: QuerySet, user) -> QuerySet:
        """The queryset narrowed by every filter (and annotated with `next_due` for the due ordering)."""
        if self.statuses:
            queryset = queryset.filter(status__in=self.statuses)
        if self.types:
            queryset = queryset.filter(type__in=self.types)
        if self.priorities:
            queryset = queryset.filter(priority__in=self.priorities)
        if self.groups:
            queryset = queryset.filter(group__in=self.groups)
        for name, value in self.people:
            if value == "none":
                queryset = queryset.filter(**{f"{name}__isnull": True})
            else:
                queryset = queryset.filter(**{f"{name}_id": user.pk if value == "me" else value})
        if self.organisation:
            queryset = queryset.filter(organisation_id=self.organisation)
        if self.category:  # a category includes its subcategories
            queryset = queryset.filter(Q(category_id=self.category) | Q(category__parent_id=self.category))
        if self.channels:
            queryset = queryset.filter(channel__in=self.channels)
        if self.text:
            queryset = search.search(queryset, self.text)
        if self.breached is None and self.due_before is None and not self.nulls_last:
            return queryset
        from servicedesk.sla.models import ClockState
        from servicedesk.sla.visibility import visible_clocks

        clocks = visible_clocks(user).filter(ticket=OuterRef("pk"))
        running = clocks.filter(state=ClockState.RUNNING)
        if self.breached is not None:
            breached = Exists(clocks.filter(Q(breached=True) | Q(state=ClockState.RUNNING,
                                                                 due_at__lte=timezone.now())))
            queryset = queryset.filter(breached) if self.breached else queryset.exclude(breached)
        if self.due_before is not None:
            queryset = queryset.filter(Exists(running.filter(due_at__lt=self.due_before)))
        if self.nulls_last:
            queryset = queryset.annotate(**{NEXT_DUE: Subquery(running.order_by("due_at").values("due_at")[:1])})
        return queryset

    def columns(self, *names: str) -> tuple[str, ...]:
        """`names` and the ordering's annotation, for a `.values()` the paginator can read its cursor from."""
        return (*names, NEXT_DUE) if self.nulls_last else names


def parse(params: QueryDict) -> TicketFilter:
    """The filter the parameters ask for; FilterError for the first value that makes no sense."""
    statuses = _choices(params, "status", Status.values, extra=("open",))
    if "open" in statuses:
        statuses = tuple(dict.fromkeys([s for s in statuses if s != "open"] + list(OPEN_STATUSES)))
    ordering = _one(params, "ordering") or DEFAULT_ORDERING
    if ordering not in ORDERINGS:
        _refuse("ordering", ordering, _("is not one of: %(choices)s.") % {"choices": ", ".join(ORDERINGS)})
    breached, due_before = _one(params, "breached"), _one(params, "due_before")
    return TicketFilter(
        statuses=statuses,
        types=_choices(params, "type", TicketType.values),
        priorities=tuple(dict.fromkeys(_priority(v) for v in _values(params, "priority"))),
        groups=tuple(dict.fromkeys(_id("group", v) for v in _values(params, "group"))),
        people=tuple((name, _person(name, _one(params, name))) for name in PEOPLE if _one(params, name)),
        organisation=_id("organisation", _one(params, "organisation")) if _one(params, "organisation") else None,
        category=_id("category", _one(params, "category")) if _one(params, "category") else None,
        channels=_choices(params, "channel", Channel.values),
        text=_one(params, "q"),
        breached=_flag(breached) if breached else None,
        due_before=_moment(due_before) if due_before else None,
        ordering=ordering,
    )
