"""The self-service KPIs, from the knowledge base's reader events (servicedesk.knowledge: views, deflections and
"this solved my problem"). An article event belongs to no ticket: a report narrowed by service or category counts
the events of that service's or category's articles, by organisation those of its customers; narrowed by desk,
group, agent or channel (or seen by an agent or a group lead, whose reports are their own or their groups') it has
no self-service figures. docs/kpis.md says the same as the definitions below."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from servicedesk.knowledge.models import ArticleEvent, EventKind
from servicedesk.reports.filters import Filters
from servicedesk.reports.kpis import Kpi, Value, register

from . import figures

DEFLECTIONS = Kpi(
    key="deflections", label=_("Requests deflected"),
    definition=_("Requests a knowledge article answered before they were sent, in the period: each request being "
                 "written whose suggested articles the customer opened and which was not sent within 30 minutes "
                 "(counted at the last article opened), and each “This solved my problem”."),
    unit="count", section="self_service", better="up", drill=False)
ARTICLE_VIEWS = Kpi(
    key="article_views", label=_("Article views"),
    definition=_("Reads of knowledge articles in the period, counted once per reader, article and day."),
    unit="count", section="self_service", better="up", drill=False)
KPIS = (DEFLECTIONS, ARTICLE_VIEWS)


def _events(filters: Filters):
    """The article events within the report's dimensions, or None when it is narrowed by one they do not carry."""
    if any(getattr(filters, name) is not None for name in ("desk", "group", "agent", "channel", "scope_groups")):
        return None
    q = Q(kind__in=[EventKind.VIEW, EventKind.DEFLECTION, EventKind.SOLVED])
    if filters.service is not None:
        q &= Q(article__service_id=filters.service)
    if filters.category is not None:
        q &= Q(article__category_id=filters.category) | Q(article__category__parent_id=filters.category)
    if filters.organisation is not None:
        q &= Q(user__organisation_id=filters.organisation)
    return ArticleEvent.objects.filter(q)


def compute(user, filters: Filters, keys: list[str]) -> dict[str, Value]:
    events = _events(filters)
    if events is None:
        return {key: figures.empty(key, filters) for key in keys}
    found = figures.counts_by_period(events, "created_at", filters, {
        "article_views": Count("id", filter=Q(kind=EventKind.VIEW)),
        "deflections": Count("id", filter=Q(kind__in=[EventKind.DEFLECTION, EventKind.SOLVED])),
    })
    return {key: found[key] for key in keys}


for _kpi in KPIS:
    register(_kpi, compute=compute)
