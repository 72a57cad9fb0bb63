"""The console's phone screens: the screen pop every console page polls for (the call the agent just answered:
the caller's profile, open tickets and recent calls, the quick log prefilled), the calls list (呼叫记录: state,
agent, dates, with the range's figures: offered, answered, abandoned, 呼损率, average wait and talk) and a call's
page. Calls are read through telephony.visibility; they change only through telephony.actions."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import User
from servicedesk.console.listing import page_context
from servicedesk.core.inputs import parse_id
from servicedesk.telephony.models import Call, State
from servicedesk.telephony.visibility import visible_calls
from servicedesk.tickets import permissions
from servicedesk.tickets.models import OPEN_STATUSES, Ticket

from .sidebar import build_sidebar
from .ticket_access import staff_required

PAGE_SIZE = 50
DEFAULT_DAYS = 7
PANEL_ROWS = 5


class CallFilters(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False,
                              choices=[("", gettext_lazy("Any"))] + State.choices)
    agent = forms.ModelChoiceField(label=gettext_lazy("Agent"), required=False,
                                   queryset=User.objects.filter(is_active=True, role__in=["agent", "lead", "manager",
                                                                                          "admin"]),
                                   empty_label=gettext_lazy("Any"))
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].label_from_instance = lambda user: user.display_name

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        # Without dates, the last week: the figures stay a bounded read on a desk with years of calls.
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext_lazy("The end date is before the start date."))
        return data

    def apply(self, calls):
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(data["date_from"], datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        calls = calls.filter(offered_at__gte=start, offered_at__lt=end)
        if data.get("state"):
            calls = calls.filter(state=data["state"])
        if data.get("agent"):
            calls = calls.filter(agent=data["agent"])
        return calls


def summary(calls) -> dict:
    """The range's figures, from the rows: the abandoned-call rate (呼损率) is abandoned over offered."""
    figures = calls.aggregate(
        offered=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)),
        abandoned=Count("pk", filter=Q(state=State.ABANDONED)), wait=Avg("wait_seconds"), talk=Avg("talk_seconds"))
    figures["abandoned_rate"] = figures["abandoned"] / figures["offered"] * 100 if figures["offered"] else None
    return figures


@staff_required
def call_list(request):
    filters = CallFilters(request.GET)
    if not filters.is_valid():
        return render(request, "console/calls/list.html", {"filters": filters, "rows": [], "figures": None,
                                                           "sidebar": build_sidebar(request)}, status=400)
    calls = filters.apply(visible_calls(request.user))
    listing = page_context(request, calls.select_related("person", "agent", "queue_group", "ticket"), "offered_at",
                           PAGE_SIZE)
    return render(request, "console/calls/list.html", {
        "filters": filters, "figures": summary(calls), "sidebar": build_sidebar(request), **listing,
    }, status=400 if listing["bad_cursor"] else 200)


def _visible_call(user, pk) -> Call:
    call = (visible_calls(user).select_related("person__organisation", "agent", "queue_group", "transfer_agent",
                                               "transfer_group", "ticket").filter(pk=pk).first())
    if call is None:
        raise Http404
    return call


def _caller_panel(user, call: Call) -> dict:
    """What the agent sees of the caller: their open tickets and their recent calls, as far as the agent may."""
    person = call.person
    tickets = []
    if person is not None:
        tickets = list(permissions.visible_tickets(user, Ticket.objects.filter(requester=person,
                                                                               status__in=OPEN_STATUSES))
                       .order_by("-updated_at")[:PANEL_ROWS])
    same_caller = Q(person=person) if person is not None else Q(caller_number=call.caller_number)
    recent = []
    if person is not None or call.caller_number:
        recent = list(visible_calls(user).filter(same_caller).exclude(pk=call.pk)
                      .select_related("agent").order_by("-offered_at")[:PANEL_ROWS])
    return {"call": call, "person": person, "open_tickets": tickets, "recent_calls": recent,
            "ticket_visible": call.ticket is not None and permissions.can_see(user, call.ticket),
            "quick_log_url": reverse("console:quick_log") + f"?call={call.pk}"}


@staff_required
def call_page(request, pk: int):
    call = _visible_call(request.user, pk)
    return render(request, "console/calls/detail.html", {
        **_caller_panel(request.user, call), "events": list(call.events.order_by("at", "id")),
        "sidebar": build_sidebar(request),
    })


@staff_required
def screen_pop(request):
    """Polled by every console page every few seconds: 204 (nothing to change) unless the agent's latest
    answered, not yet logged call differs from the one the page shows (`shown`). One indexed read
    (telephony_call_pop) on the common path."""
    cutoff = timezone.now() - datetime.timedelta(minutes=settings.SERVICEDESK_SCREEN_POP_MINUTES)
    latest = (Call.objects.filter(agent=request.user, agent_answered_at__gte=cutoff, ticket__isnull=True)
              .order_by("-agent_answered_at").values_list("pk", flat=True).first())
    shown = parse_id(request.GET.get("shown"))
    if latest == shown:
        return HttpResponse(status=204)
    context = {"shown": latest}
    if latest is not None:
        context.update(_caller_panel(request.user, _visible_call(request.user, latest)))
    return render(request, "console/calls/_pop.html", context)


urlpatterns = [
    path("calls/", call_list, name="calls"),
    path("calls/pop/", screen_pop, name="call_pop"),
    path("calls/<id:pk>/", call_page, name="call"),
]
