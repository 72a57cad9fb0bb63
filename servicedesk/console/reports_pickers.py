"""The dashboard's period and filter pickers: what each drop-down offers the viewer and what is chosen.

The pickers offer what the viewer's figures can be narrowed to: a manager every desk, group and agent; a group
lead their groups and those groups' people; an agent sees only their own figures, so no desk, group or agent
picker at all. The reports engine scopes the figures whatever the URL says; this only keeps the choices honest."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import pgettext_lazy

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.models import STAFF_ROLES, Desk, Organisation, User
from servicedesk.reports import scope
from servicedesk.reports.kpis import KPIS
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import Channel, Service
from servicedesk.tickets.permissions import group_ids

# One context for the reports' words ("reports"): "Volume" or "Last week" elsewhere may read otherwise.
PERIODS = [
    ("this_week", pgettext_lazy("reports", "This week")), ("last_week", pgettext_lazy("reports", "Last week")),
    ("this_month", pgettext_lazy("reports", "This month")), ("last_month", pgettext_lazy("reports", "Last month")),
    ("last_30_days", pgettext_lazy("reports", "Last 30 days")), ("this_year", pgettext_lazy("reports", "This year")),
    ("last_year", pgettext_lazy("reports", "Last year")),
]
GRANULARITIES = [("day", pgettext_lazy("reports", "Per day")), ("week", pgettext_lazy("reports", "Per week")),
                 ("month", pgettext_lazy("reports", "Per month"))]
BREAKDOWNS = {
    "desk": pgettext_lazy("reports", "Desk"), "group": pgettext_lazy("reports", "Group"),
    "agent": pgettext_lazy("reports", "Agent"), "service": pgettext_lazy("reports", "Service"),
    "category": pgettext_lazy("reports", "Category"), "channel": pgettext_lazy("reports", "Channel"),
    "organisation": pgettext_lazy("reports", "Organisation"),
}
SECTION_LABELS = {
    "volume": pgettext_lazy("reports", "Volume"), "service": pgettext_lazy("reports", "Service levels"),
    "quality": pgettext_lazy("reports", "Quality"), "flow": pgettext_lazy("reports", "Flow"),
    "cost": pgettext_lazy("reports", "Cost"), "self_service": pgettext_lazy("reports", "Self-service"),
}
# Long lists (organisations) are cut: a desk with thousands of customers' companies filters by URL.
LIMIT = 300


def _people(user) -> list[tuple[int, str]]:
    if user.sees_whole_desk:
        return [(pk, name) for pk, _username, name in accounts_refdata.staff()]
    led = group_ids(user)
    people = (User.objects.filter(Q(member_of__in=led) | Q(led_groups__in=led) | Q(pk=user.pk), is_active=True,
                                  role__in=STAFF_ROLES).distinct().only("first_name", "last_name", "username"))
    return sorted(((u.pk, u.display_name) for u in people), key=lambda p: p[1])


def pickers(request, filters) -> dict:
    """The drop-downs (name → options as (value, label) strings) and the values chosen, for the form."""
    user = request.user
    chosen = {name: "" if getattr(filters, name) is None else str(getattr(filters, name))
              for name in ("desk", "group", "agent", "service", "category", "channel", "organisation")}
    # No period and no dates: the engine's default, this month, is what the picker shows.
    period = request.GET.get("period") or ("" if request.GET.get("start") or request.GET.get("end") else "this_month")
    options = {
        "service": [(str(s.pk), str(s)) for s in Service.objects.filter(is_active=True)],
        "category": [(str(pk), label) for pk, label in tickets_refdata.category_choices()],
        "channel": [(value, str(label)) for value, label in Channel.choices],
        "organisation": [(str(pk), name) for pk, name in Organisation.objects.values_list("id", "name")[:LIMIT]],
    }
    if scope.may_view_desk_reports(user):
        groups = accounts_refdata.active_groups()
        if not user.sees_whole_desk:
            mine = group_ids(user)
            groups = [g for g in groups if g.pk in mine]
        options["desk"] = [(str(d.pk), d.name) for d in Desk.objects.all()] if user.sees_whole_desk else []
        options["group"] = [(str(g.pk), g.local_name) for g in groups]
        options["agent"] = [(str(pk), name) for pk, name in _people(user)]
    return {
        "periods": [(value, str(label)) for value, label in PERIODS],
        "period": period if period in dict(PERIODS) else "",
        "granularities": [(value, str(label)) for value, label in GRANULARITIES],
        "granularity": filters.granularity,
        "start": filters.start.isoformat(), "end": filters.end.isoformat(),
        "filters": [{"name": name, "label": str(label), "options": options[name], "chosen": chosen[name]}
                    for name, label in BREAKDOWNS.items() if options.get(name)],
        "figures": [(key, str(kpi.label)) for key, kpi in KPIS.items()],
        "breakdown": request.GET.get("breakdown", ""),
        "breakdowns": [(value, str(label)) for value, label in BREAKDOWNS.items()],
        "by": request.GET.get("by", "group"),
    }
