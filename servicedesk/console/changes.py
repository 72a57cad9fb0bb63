"""The console's change screens (变更): the list, raising a change (normal, emergency, or standard from a
pre-approved template), a change's page (its plan, conflicts, approval, service notice and the buttons that move
it on) with its edit form while it is a draft. The change calendar is changes_calendar.py. Every change goes
through servicedesk.changes.actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.changes import actions, calendar, conflicts
from servicedesk.changes.models import ChangeRecord, Kind, StandardChange, State
from servicedesk.cmdb.impact import items_for_ticket
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.inputs import is_id, parse_id
from servicedesk.tickets.models import Level, Service

from . import changes_calendar
from .notices import LOCAL_INPUT, When
from .ticket_access import staff_required, visible_ticket

CHANNEL = Channel.CONSOLE


class ChangeForm(DeskFormMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=actions.MAX_TITLE, required=False,
                            help_text=gettext_lazy("A standard change's name when left empty."))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices, initial=Kind.NORMAL)
    template = forms.ModelChoiceField(label=gettext_lazy("Standard change"), required=False,
                                      queryset=StandardChange.objects.filter(is_active=True),
                                      help_text=gettext_lazy("Pre-approved: a standard change skips approval."))
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=actions.MAX_TEXT,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    risk = forms.TypedChoiceField(label=pgettext_lazy("change", "Risk"), choices=Level.choices, coerce=int,
                                  initial=Level.MEDIUM)
    impact = forms.TypedChoiceField(label=gettext_lazy("Impact"), choices=Level.choices, coerce=int,
                                    initial=Level.MEDIUM)
    planned_start = forms.DateTimeField(label=gettext_lazy("Planned start"), widget=When(),
                                        input_formats=[LOCAL_INPUT], required=False)
    planned_end = forms.DateTimeField(label=gettext_lazy("Planned end"), widget=When(), input_formats=[LOCAL_INPUT],
                                      required=False)
    services = forms.ModelMultipleChoiceField(label=gettext_lazy("Affected services"), required=False,
                                              queryset=Service.objects.filter(is_active=True),
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=gettext_lazy("When it is scheduled, a service notice tells "
                                                                     "their users of the planned window."))
    implementation = forms.CharField(label=gettext_lazy("Implementation steps"), required=False,
                                     max_length=actions.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    backout = forms.CharField(label=gettext_lazy("Back-out steps"), required=False, max_length=actions.MAX_TEXT,
                              widget=forms.Textarea(attrs={"rows": 3}))
    review = forms.CharField(label=gettext_lazy("Review steps"), required=False, max_length=actions.MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def to_input(self, *, new: bool) -> actions.ChangeInput:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["services"] = list(data["services"])
        if new and data["template"] is not None:
            # Left as the form offers them, the template's own steps and levels apply.
            for name in ("implementation", "backout", "review", "services"):
                data[name] = data[name] or None
            data["kind"] = Kind.STANDARD
        if not new:
            data.pop("template")
        return actions.ChangeInput(**data)


def _initial(change: ChangeRecord) -> dict:
    local = {name: timezone.localtime(getattr(change, name)) if getattr(change, name) else None
             for name in ("planned_start", "planned_end")}
    return {"title": change.ticket.title, "description": change.ticket.description, "kind": change.kind,
            "template": change.template, "risk": change.risk, "impact": change.impact, **local,
            "services": list(change.services.all()), "implementation": change.implementation,
            "backout": change.backout, "review": change.review, "version": change.version}


def _visible_change(user, number: str) -> ChangeRecord:
    ticket = visible_ticket(user, number)
    change = ChangeRecord.objects.select_related("ticket", "template", "announcement", "created_by").filter(
        ticket=ticket).first()
    if change is None:
        raise Http404
    return change


@staff_required
def change_list(request):
    changes = list(calendar.visible_changes(request.user).order_by("-created_at", "-id")[:300])
    found = conflicts.find(changes)
    seen = calendar.seen_tickets(request.user, list(found.values()))
    groups = []
    for title, states in ((_("Open"), (State.DRAFT, State.AWAITING_APPROVAL, State.SCHEDULED, State.IMPLEMENTING,
                                       State.REVIEW)),
                          (_("Closed, rejected or cancelled"), (State.CLOSED, State.REJECTED, State.CANCELLED))):
        groups.append((title, [(c, [x.text(seen) for x in found[c.pk]]) for c in changes if c.state in states]))
    return render(request, "console/changes/list.html", {"groups": groups})


@staff_required
def change_new(request):
    if request.method == "POST":
        form = ChangeForm(request.POST)
        if form.is_valid():
            try:
                change = actions.create_change(form.to_input(new=True), actor=request.user, channel=CHANNEL)
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Change %(number)s raised as a draft.") % {"number": change.ticket.number})
                return redirect("console:change", number=change.ticket.number)
        status = 400
    else:
        form, status = ChangeForm(), 200
    return render(request, "console/changes/form.html", {"form": form, "change": None}, status=status)


def _page(request, change: ChangeRecord, form: ChangeForm | None = None, status: int = 200):
    found = conflicts.of(change)
    seen = calendar.seen_tickets(request.user, [found])
    editable = change.state == State.DRAFT
    return render(request, "console/changes/page.html", {
        "change": change, "ticket": change.ticket, "services": list(change.services.all()),
        "conflicts": [c.text(seen) for c in found],
        "moves": [(m, actions.MOVE_LABELS[m]) for m in actions.available_moves(change, request.user)],
        "form": form or (ChangeForm(initial=_initial(change)) if editable else None),
        "approval": change.approval, "items": items_for_ticket(change.ticket),
    }, status=status)


@staff_required
def change_page(request, number):
    change = _visible_change(request.user, number)
    if request.method != "POST":
        return _page(request, change)
    form = ChangeForm(request.POST)
    if form.is_valid():
        try:
            actions.update_change(change, form.to_input(new=False), actor=request.user, channel=CHANNEL,
                                  expected_version=form.cleaned_data["version"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("console:change", number=change.ticket.number)
    return _page(request, change, form, status=400)


@staff_required
@require_POST
def change_move(request, number, action):
    change = _visible_change(request.user, number)
    version = parse_id(request.POST["version"]) if is_id(request.POST.get("version")) else None
    try:
        actions.move(change, action, actor=request.user, channel=CHANNEL, note=request.POST.get("note", ""),
                     expected_version=version)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        change.refresh_from_db()
        messages.success(request, _("The change is now “%(state)s”.") % {"state": change.get_state_display()})
    return redirect("console:change", number=change.ticket.number)


urlpatterns = [
    path("changes/", change_list, name="changes"),
    path("changes/new/", change_new, name="change_new"),
    path("changes/calendar/", changes_calendar.calendar_view, name="change_calendar"),
    path("changes/<str:number>/", change_page, name="change"),
    path("changes/<str:number>/move/<slug:action>/", change_move, name="change_move"),
]
