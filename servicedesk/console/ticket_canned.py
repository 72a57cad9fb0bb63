"""Canned responses and macros: rendering placeholders, applying field changes, and the management screen."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Group
from servicedesk.core import refdata
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.notify import context as notify_context
from servicedesk.notify.promises import format_due, format_minutes, promises
from servicedesk.tickets import actions
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import PendingReason, Priority, Status, Ticket, Transition

from . import actions as console_actions
from .models import CannedResponse
from .ticket_access import staff_required

# Each placeholder with what it becomes; the canned-response screens list them with these words.
PLACEHOLDERS = {
    "requester_name": gettext_lazy("the requester's name"),
    "ticket_number": gettext_lazy("the ticket's number, e.g. SD-000123"),
    "ticket_title": gettext_lazy("the ticket's title"),
    "agent_name": gettext_lazy("your name"),
    "response_due": gettext_lazy(
        "when the desk will respond at the latest: a date and time in the requester's language and time zone, "
        "e.g. 7 Dec 2026, 18:00 (the time the acknowledgement mail gave)"),
    "response_within": gettext_lazy("the response target as a duration, e.g. 4 hours"),
    "resolution_due": gettext_lazy(
        "when the ticket is due to be resolved: a date and time as above (only with an SLA policy)"),
    "resolution_within": gettext_lazy("the resolution target as a duration, e.g. 16 hours (only with an SLA policy)"),
}
# Former names that canned responses written earlier still use: {committed_time} is the response's due time.
ALIASES = {"committed_time": "response_due"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PROMISED = {"response_due", "response_within", "resolution_due", "resolution_within"}


def placeholder_help() -> list[tuple[str, str]]:
    """(placeholder, what it becomes) for the screens, the former names last."""
    rows = [(f"{{{name}}}", str(text)) for name, text in PLACEHOLDERS.items()]
    rows += [(f"{{{old}}}", _("the same as {%(name)s} (its former name)") % {"name": new})
             for old, new in ALIASES.items()]
    return rows


def _promised_values(ticket: Ticket) -> dict[str, str]:
    """The desk's promises as the requester reads them (their language and time zone), as in the mail."""
    desk = ticket.desk
    requester = ticket.requester
    language = notify_context.language_for(requester.language, desk)
    time_zone = notify_context.time_zone_for(requester, desk)
    found = promises(ticket)
    values = {}
    with translation.override(language):
        for name, promise in (("response", found.response), ("resolution", found.resolution)):
            if promise is not None:  # without one, the placeholder stays as written for the agent to see
                values[f"{name}_due"] = format_due(promise.due_at, time_zone)
                values[f"{name}_within"] = format_minutes(promise.minutes)
    return values


def render_body(canned: CannedResponse, ticket: Ticket, agent) -> str:
    used = {ALIASES.get(name, name) for name in _PLACEHOLDER.findall(canned.body)}
    values = {
        "requester_name": ticket.requester.display_name,
        "ticket_number": ticket.number,
        "ticket_title": ticket.title,
        "agent_name": agent.display_name,
    }
    if used & _PROMISED:  # the SLA clocks are read only when the text asks for them
        values.update(_promised_values(ticket))

    def fill(match: re.Match) -> str:
        name = match.group(1)
        return values.get(ALIASES.get(name, name), match.group(0))

    return _PLACEHOLDER.sub(fill, canned.body)


def transition_label(t: Transition) -> str:
    if (get_language() or "").lower().startswith("zh") and t.label_zh:
        return t.label_zh
    return t.label


def macro_summary(canned: CannedResponse, transitions: dict[str, Transition] | None = None) -> list[str]:
    """What submitting the reply will also do, in words."""
    lines = []
    if canned.set_group_id:
        lines.append(_("assign to %(group)s") % {"group": canned.set_group.name})
    if canned.set_priority:
        lines.append(_("set priority to %(priority)s") % {"priority": Priority(canned.set_priority).label})
    if canned.set_status:
        transitions = transitions or {t.action: t for t in Transition.objects.all()}
        t = transitions.get(canned.set_status)
        lines.append(_("then: %(action)s") % {"action": transition_label(t) if t else canned.set_status})
        if canned.set_status == "pend" and canned.set_pending_reason:
            lines.append(PendingReason(canned.set_pending_reason).label)
    return lines


def usable(user) -> models.QuerySet:
    return CannedResponse.objects.available_to(user).select_related("group", "set_group", "owner")


def canned_choices(user) -> list[tuple[int, str]]:
    """(id, "name ⚙ · group or personal") of the responses `user` may use, by name, for the ticket
    page's picker: reference data (servicedesk.core.refdata), cached per user and language until a
    response or a group membership changes."""
    def build():
        personal = _("personal")
        return [
            (cr.pk, f"{cr.name}{' ⚙' if cr.is_macro else ''} · {cr.group.name if cr.group_id else personal}")
            for cr in usable(user).order_by("name")
        ]

    return refdata.cached(f"canned:{user.pk}", build, per_language=True)


def resolves(canned: CannedResponse) -> bool:
    """Whether the macro's lifecycle action lands in resolved (which needs the resolution with it)."""
    return any(t.action == canned.set_status and t.to_status == Status.RESOLVED for t in tickets_refdata.transitions())


def apply_macro(canned: CannedResponse, ticket: Ticket, *, actor, channel: str, comment: str = "",
                internal: bool = False, attachments=()) -> Ticket:
    """The macro's field changes, through the desk's actions (the caller holds the transaction).
    `comment` (with `attachments`) is written with its lifecycle action: a resolving macro's reply."""
    if canned.set_group_id:
        ticket = actions.assign(ticket, actor=actor, group=canned.set_group, channel=channel)
    if canned.set_priority:
        ticket = actions.update_ticket(
            ticket, actor=actor, channel=channel, changes={"priority": canned.set_priority}
        )
    if canned.set_status and canned.set_status != "assign":
        ticket = actions.transition(ticket, canned.set_status, actor=actor, channel=channel,
                                    pending_reason=canned.set_pending_reason or None, comment=comment,
                                    internal=internal, attachments=attachments)
    elif canned.set_status == "assign" and not canned.set_group_id:
        fresh = Ticket.objects.get(pk=ticket.pk)
        ticket = actions.transition(ticket, "assign", actor=actor, channel=channel, group=fresh.group)
    return ticket


# ---------------------------------------------------------------------------------------------
# Management screen


class CannedForm(DeskFormMixin, forms.ModelForm):
    scope = forms.ChoiceField(label=gettext_lazy("Who can use it"))

    class Meta:
        model = CannedResponse
        fields = ["name", "body", "internal", "set_status", "set_pending_reason", "set_group", "set_priority"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        groups = list(console_actions.editable_groups(user))
        self.fields["scope"].choices = [("personal", _("Only me (personal)"))] + [
            (f"group:{g.pk}", _("Shared with %(group)s") % {"group": g.local_name}) for g in groups
        ]
        self.fields["scope"].help_text = _(
            "Shared responses can be used and edited by every member of the group."
        )
        if self.instance.pk:
            self.initial["scope"] = (
                f"group:{self.instance.group_id}" if self.instance.group_id else "personal"
            )
        self._groups = {str(g.pk): g for g in groups}
        self.fields["set_status"] = forms.ChoiceField(
            label=gettext_lazy("Then take the action"),
            required=False,
            choices=[("", _("— no status change —"))]
            + [(t.action, transition_label(t)) for t in Transition.objects.all()],
        )
        self.fields["set_pending_reason"].choices = [("", _("— the customer —"))] + list(PendingReason.choices)
        self.fields["set_group"].queryset = Group.objects.filter(is_active=True)
        self.fields["set_group"].empty_label = _("— keep the assignment —")
        self.fields["set_priority"].choices = [("", _("— keep the priority —"))] + list(Priority.choices)
        self.fields["body"].help_text = ""  # the placeholders are listed under the field, with what each becomes

    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        if scope != "personal" and scope.removeprefix("group:") not in self._groups:
            raise forms.ValidationError(_("Choose one of your groups."))
        return scope

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        # The scope decides owner/group before the model validates "one scope".
        if scope == "personal":
            self.instance.owner, self.instance.group = self.user, None
        elif scope:
            self.instance.owner, self.instance.group = None, self._groups[scope.removeprefix("group:")]
        return cleaned


@staff_required
def canned_list(request):
    items = list(usable(request.user).order_by("group__name", "name"))
    transitions = {t.action: t for t in Transition.objects.all()}
    for item in items:
        item.editable = console_actions.may_edit(request.user, item)
        item.summary = macro_summary(item, transitions)
    return render(request, "console/canned/list.html", {"items": items, "placeholders": placeholder_help()})


@staff_required
def canned_edit(request, pk=None):
    canned = None
    if pk is not None:
        canned = get_object_or_404(usable(request.user), pk=pk)
        if not console_actions.may_edit(request.user, canned):
            raise Http404
    form = CannedForm(request.POST or None, instance=canned, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = console_actions.save_canned_response(form.save(commit=False), actor=request.user)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
            return redirect("console:canned")
    return render(
        request, "console/canned/form.html", {"form": form, "canned": canned, "placeholders": placeholder_help()}
    )


@staff_required
def canned_delete(request, pk):
    canned = get_object_or_404(usable(request.user), pk=pk)
    if not console_actions.may_edit(request.user, canned):
        raise Http404
    if request.method == "POST":
        console_actions.delete_canned_response(canned, actor=request.user)
        messages.success(request, _("Deleted “%(name)s”.") % {"name": canned.name})
        return redirect("console:canned")
    return render(request, "console/canned/delete.html", {"canned": canned})
