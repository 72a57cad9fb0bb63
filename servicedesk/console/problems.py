"""The console's problem screens (问题 and 已知错误): the list, a problem's page (its incidents, root cause and
workaround, publishing the known error, resolving it with its incidents), opening one from incidents (typed, from
an incident's page, or a trend's proposal), linking an incident from its own page, and the trend view that proposes
problems. Every change goes through servicedesk.problems.actions."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.inputs import parse_id
from servicedesk.problems import actions, trends
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets import permissions
from servicedesk.tickets.models import OPEN_STATUSES, Ticket
from servicedesk.tickets.queries import ticket_reference

from .ticket_access import staff_required, visible_ticket

CHANNEL = Channel.CONSOLE
LIST_ROWS = 200


class NumbersInput(forms.Textarea):
    """Typed numbers in one box, or a queue's ticked rows (one value each): read as one list."""

    def value_from_datadict(self, data, files, name):
        return " ".join(data.getlist(name)) if hasattr(data, "getlist") else data.get(name)


class OpenForm(DeskFormMixin, forms.Form):
    incidents = forms.CharField(label=gettext_lazy("Incidents (numbers, separated by spaces or commas)"),
                                max_length=4000, widget=NumbersInput(attrs={"rows": 2}))
    title = forms.CharField(label=gettext_lazy("Title (the first incident's when left empty)"), required=False,
                            max_length=255)


class AnalysisForm(DeskFormMixin, forms.Form):
    root_cause = forms.CharField(label=gettext_lazy("Root cause"), required=False, max_length=actions.MAX_TEXT,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    workaround = forms.CharField(label=gettext_lazy("Workaround"), required=False, max_length=actions.MAX_TEXT,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ResolveForm(DeskFormMixin, forms.Form):
    resolution = forms.CharField(max_length=actions.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    resolve_incidents = forms.BooleanField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TrendForm(DeskFormMixin, forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=365, required=False)
    threshold = forms.IntegerField(label=gettext_lazy("Incidents at least"), min_value=2, max_value=1000,
                                   required=False)


# ---------------------------------------------------------------------------------------------
# Reading


def _problem(user, number: str) -> ProblemRecord:
    ticket = visible_ticket(user, number)
    record = ProblemRecord.objects.select_related("ticket", "article", "known_error_by").filter(ticket=ticket).first()
    if record is None:
        raise Http404
    return record


@staff_required
def problem_list(request):
    records = (ProblemRecord.objects.filter(ticket__in=permissions.visible_tickets(request.user))
               .select_related("ticket").order_by("-created_at", "-id")[:LIST_ROWS])
    rows = list(records)
    return render(request, "console/problems/list.html", {
        "open": [r for r in rows if r.ticket.status in OPEN_STATUSES],
        "done": [r for r in rows if r.ticket.status not in OPEN_STATUSES],
        "form": OpenForm(),
    })


@staff_required
def problem_page(request, number):
    record = _problem(request.user, number)
    incidents = [t for t in actions.linked_incidents(record).select_related("requester").order_by("id")
                 if permissions.can_see(request.user, t)]
    return render(request, "console/problems/page.html", {
        "problem": record, "ticket": record.ticket, "incidents": incidents,
        "open_incidents": sum(1 for t in incidents if t.status in OPEN_STATUSES),
        "is_open": record.ticket.status in OPEN_STATUSES,
        "analysis": AnalysisForm(initial={"root_cause": record.root_cause, "workaround": record.workaround,
                                          "version": record.version}),
        "may_publish": actions.may_publish(request.user),
        # The article shows another workaround than the record's: published before the last edit.
        "stale_article": record.article_id is not None and record.workaround not in (record.article.live_body or ""),
    })


@staff_required
def trend_view(request):
    form = TrendForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    chosen = form.cleaned_data if valid else {}
    found = trends.trends(request.user, days=chosen.get("days"), threshold=chosen.get("threshold"))
    if not form.is_bound:
        form = TrendForm(initial={"days": found.days, "threshold": found.threshold})
    # A window the form refuses shows its error over the default window's trends.
    return render(request, "console/problems/trends.html", {"form": form, "trends": found},
                  status=400 if form.is_bound and not valid else 200)


# ---------------------------------------------------------------------------------------------
# Changes


def _refusal(request, call, success: str) -> bool:
    try:
        call()
    except ActionError as refused:
        messages.error(request, refused.message)
        return False
    messages.success(request, success)
    return True


def _typed_incidents(user, text: str) -> tuple[list[Ticket], list[str]]:
    """The tickets a typed list names (ids or numbers), and the words that name none the user sees."""
    found, missing = [], []
    for word in [w for w in re.split(r"[\s,;，；、]+", text) if w][:actions.MAX_INCIDENTS + 1]:
        lookup = ticket_reference(word)
        ticket = Ticket.objects.filter(lookup).first() if lookup is not None else None
        if ticket is None or not permissions.can_see(user, ticket):
            missing.append(word)
        else:
            found.append(ticket)
    return found, missing


@staff_required
@require_POST
def open_problem(request):
    """From the list's form (numbers typed), a queue's ticked rows, an incident's page or a trend's proposal."""
    form = OpenForm(request.POST)
    back = request.POST.get("back") if request.POST.get("back", "").startswith("/console/") else None
    if not form.is_valid():
        messages.error(request, _("Choose the incidents the problem is the cause of."))
        return redirect(back or "console:problems")
    incidents, missing = _typed_incidents(request.user, form.cleaned_data["incidents"])
    if missing:
        messages.error(request, _("No such ticket: %(words)s") % {"words": ", ".join(missing[:10])})
        return redirect(back or "console:problems")
    made = []
    if not _refusal(request, lambda: made.append(actions.open_problem(
            incidents, actor=request.user, channel=CHANNEL, title=form.cleaned_data["title"])),
            _("The problem is opened with %(n)s incidents.") % {"n": len(incidents)}):
        return redirect(back or "console:problems")
    return redirect("console:problem", number=made[0].ticket.number)


@staff_required
@require_POST
def analyse(request, number):
    record = _problem(request.user, number)
    form = AnalysisForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        data = form.cleaned_data
        _refusal(request, lambda: actions.update_analysis(
            record, actor=request.user, channel=CHANNEL, root_cause=data["root_cause"],
            workaround=data["workaround"], expected_version=data["version"]), _("The analysis is saved."))
    return redirect("console:problem", number=number)


@staff_required
@require_POST
def publish(request, number):
    record = _problem(request.user, number)
    _refusal(request, lambda: actions.publish_known_error(
        record, actor=request.user, channel=CHANNEL, expected_version=parse_id(request.POST.get("version"))),
        _("The known error is published in the knowledge base."))
    return redirect("console:problem", number=number)


@staff_required
@require_POST
def resolve(request, number):
    record = _problem(request.user, number)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the resolution: every requester is asked to confirm it."))
        return redirect("console:problem", number=number)
    data = form.cleaned_data
    outcome = []
    if _refusal(request, lambda: outcome.append(actions.resolve_problem(
            record, actor=request.user, channel=CHANNEL, resolution=data["resolution"],
            resolve_incidents=data["resolve_incidents"], expected_version=data["version"])),
            _("The problem is resolved.")):
        resolved = outcome[0].resolved[1:]
        if resolved:
            messages.success(request, _("Resolved with it: %(numbers)s") % {"numbers": ", ".join(resolved)})
        for ticket_number, why in outcome[0].left:
            messages.warning(request, _("%(number)s is left open: %(why)s") % {"number": ticket_number, "why": why})
    return redirect("console:problem", number=number)


@staff_required
@require_POST
def link_incident(request, number):
    """From the problem's page: an incident's number typed."""
    record = _problem(request.user, number)
    incidents, missing = _typed_incidents(request.user, request.POST.get("number", ""))
    if missing or len(incidents) != 1:
        messages.error(request, _("No such ticket."))
    else:
        _refusal(request, lambda: actions.link_incident(record, incidents[0], actor=request.user, channel=CHANNEL),
                 _("%(number)s is linked to the problem.") % {"number": incidents[0].number})
    return redirect("console:problem", number=number)


@staff_required
@require_POST
def unlink_incident(request, number, incident_id):
    record = _problem(request.user, number)
    _refusal(request, lambda: actions.unlink_incident(record, incident_id, actor=request.user, channel=CHANNEL),
             _("The incident is unlinked from the problem."))
    return redirect("console:problem", number=number)


@staff_required
@require_POST
def link_from_ticket(request, number):
    """From an incident's page: link it to the problem whose number is typed."""
    ticket = visible_ticket(request.user, number)
    lookup = ticket_reference(request.POST.get("problem"))
    target = Ticket.objects.filter(lookup).first() if lookup is not None else None
    record = ProblemRecord.objects.filter(ticket=target).first() if target is not None else None
    if record is None or not permissions.can_see(request.user, target):
        messages.error(request, _("No such problem."))
    else:
        _refusal(request, lambda: actions.link_incident(record, ticket, actor=request.user, channel=CHANNEL),
                 _("%(number)s is linked to the problem.") % {"number": ticket.number})
    return redirect("console:ticket", number=ticket.number)


urlpatterns = [
    path("problems/", problem_list, name="problems"),
    path("problems/new/", open_problem, name="problem_open"),
    path("problems/trends/", trend_view, name="problem_trends"),
    path("problems/<str:number>/", problem_page, name="problem"),
    path("problems/<str:number>/analysis/", analyse, name="problem_analyse"),
    path("problems/<str:number>/known-error/", publish, name="problem_publish"),
    path("problems/<str:number>/resolve/", resolve, name="problem_resolve"),
    path("problems/<str:number>/incidents/", link_incident, name="problem_link"),
    path("problems/<str:number>/incidents/<id:incident_id>/unlink/", unlink_incident, name="problem_unlink"),
    path("tickets/<str:number>/problem/link/", link_from_ticket, name="ticket_problem_link"),
]
