"""Quick log (seed 003): an agent on the phone records a contact in one screen.

Find the caller (or add a new customer inline), write down what they said, classify it, then either
close it as solved on the spot (first-contact resolution, the solution as a public reply) or leave it
open for routing, optionally to a group. Everything goes through `servicedesk.tickets.actions`.
"""


from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts import actions as account_actions
from servicedesk.accounts.models import Group, Organisation, Role, User
from servicedesk.core.inputs import parse_id
from servicedesk.telephony import actions as call_actions
from servicedesk.telephony.models import Call
from servicedesk.telephony.visibility import visible_calls
from servicedesk.tickets import actions
from servicedesk.tickets.models import Category, Channel, Level, Status, TicketType

from .access import staff_required, ticket_url
from .sidebar import build_sidebar

SOLVED, ROUTE = "solved", "route"
MAX_MATCHES = 10


def find_callers(text: str, limit: int = MAX_MATCHES) -> list[User]:
    """Active people whose name, username, email or phone contain every word of `text`."""
    words = (text or "").split()[:5]
    if not words or len("".join(words)) < 2:
        return []
    qs = User.objects.filter(is_active=True).select_related("organisation")
    for word in words:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                       | Q(username__icontains=word) | Q(email__icontains=word) | Q(phone__icontains=word))
    # Customers first: they are who calls the desk.
    return sorted(qs.order_by("username")[:limit], key=lambda u: (u.role != Role.CUSTOMER, u.username))


class QuickLogForm(forms.Form):
    caller_q = forms.CharField(label=gettext_lazy("Find the caller"), required=False, max_length=100)
    requester = forms.IntegerField(required=False)
    new_name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=150)
    new_email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    new_phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=50)
    new_organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), required=False,
                                              queryset=Organisation.objects.order_by("name"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    description = forms.CharField(label=gettext_lazy("What they said"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=TicketType.choices,
                             initial=TicketType.INCIDENT)
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), required=False,
                                      queryset=Category.objects.filter(is_active=True).select_related("parent"))
    impact = forms.TypedChoiceField(label=gettext_lazy("Impact"), choices=Level.choices, coerce=int,
                                    initial=Level.MEDIUM)
    urgency = forms.TypedChoiceField(label=gettext_lazy("Urgency"), choices=Level.choices, coerce=int,
                                     initial=Level.MEDIUM)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), initial=SOLVED, widget=forms.RadioSelect,
        choices=[(SOLVED, gettext_lazy("Solved on the spot")), (ROUTE, gettext_lazy("Open for routing"))],
    )
    solution = forms.CharField(label=gettext_lazy("Solution given to the caller"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))
    group = forms.ModelChoiceField(label=gettext_lazy("Route to group"), required=False,
                                   queryset=Group.objects.filter(is_active=True))
    # The call record this logs (from the screen pop); without one, the quick log records the call itself.
    call = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].empty_label = _("Not yet — leave in the intake")
        self.fields["category"].empty_label = _("(none)")
        self.fields["new_organisation"].empty_label = _("(none)")
        self.fields["category"].label_from_instance = lambda category: category.short_label

    def clean_requester(self):
        pk = self.cleaned_data.get("requester")
        if pk is None:
            return None
        user = User.objects.filter(pk=pk, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("This caller no longer exists; search again."))
        return user

    def clean(self):
        data = super().clean()
        requester, new_name = data.get("requester"), (data.get("new_name") or "").strip()
        if requester is None and not new_name and "requester" not in self.errors:
            if data.get("new_email") or data.get("new_phone"):
                self.add_error("new_name", _("Give the new caller's name."))
            else:
                self.add_error("caller_q", _("Choose the caller, or add a new one below."))
        email = (data.get("new_email") or "").strip()
        if requester is None and new_name and email and User.objects.filter(email__iexact=email).exists():
            self.add_error("new_email",
                           _("Someone with this email is already known: find and choose them above."))
        if data.get("outcome") == SOLVED and not (data.get("solution") or "").strip():
            self.add_error("solution", _("Write down the solution you gave."))
        return data

    def chosen_caller(self):
        """The caller picked in the search results, for showing again when the form comes back."""
        if self.is_bound and not self.errors.get("requester"):
            value = parse_id(self.data.get("requester"))
            if value:
                return _active_user(value)
        return None


def _active_user(pk: int) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).select_related("organisation").first()


def _own_group(agent: User) -> Group | None:
    return Group.objects.filter(members=agent, is_active=True).order_by("tier", "name").first()


def _answered_call(agent: User, pk: int | None) -> Call | None:
    """The call record the agent logs, if they may see it (telephony.visibility)."""
    if pk is None:
        return None
    call = visible_calls(agent).select_related("person__organisation").filter(pk=pk).first()
    if call is None:
        raise actions.NotFound(_("This call record is not there, or not yours to log."))
    return call


@transaction.atomic
def log_call(agent: User, data: dict):
    """Record the call; returns (ticket, message). Raises actions.ActionError (all rolled back)."""
    call = _answered_call(agent, data.get("call"))
    requester = data.get("requester") or account_actions.create_customer(
        name=data["new_name"], email=data.get("new_email") or "", phone=data.get("new_phone") or "",
        organisation=data.get("new_organisation"), actor=agent, channel=Channel.PHONE)
    ticket, message = _log_ticket(agent, requester, data)
    if call is not None:
        call_actions.link_ticket(call, ticket, actor=agent, channel=Channel.CONSOLE)
    else:
        call_actions.record_logged_call(ticket, actor=agent, channel=Channel.CONSOLE,
                                        caller_number=data.get("new_phone") or requester.phone)
    return ticket, message


def _log_ticket(agent: User, requester: User, data: dict):
    common = dict(actor=agent, channel=Channel.PHONE, requester=requester, title=data["title"],
                  description=data.get("description") or "", type=data["type"], category=data.get("category"),
                  impact=data["impact"], urgency=data["urgency"])
    if data["outcome"] == SOLVED:
        # Solved by the desk: it stays with the agent's own (1st-line) group, not the category's resolver.
        group = _own_group(agent)
        ticket = actions.create_ticket(**common, group=group, assignee=agent if group else None)
        actions.transition(ticket, "resolve", actor=agent, channel=Channel.PHONE, comment=data["solution"])
        ticket = actions.transition(ticket, "close", actor=agent, channel=Channel.PHONE)
        return ticket, _("%(number)s logged and closed: solved on the spot.") % {"number": ticket.number}
    ticket = actions.create_ticket(**common)
    group = data.get("group")
    if group is not None:
        ticket = actions.assign(ticket, actor=agent, group=group, channel=Channel.PHONE)
        return ticket, _("%(number)s logged and routed to %(group)s.") % {"number": ticket.number,
                                                                           "group": group.name}
    if ticket.status == Status.NEW:
        # The caller was told on the phone that the desk has taken it.
        ticket = actions.transition(ticket, "acknowledge", actor=agent, channel=Channel.PHONE)
    where = ticket.group.name if ticket.group_id else _("the intake")
    return ticket, _("%(number)s logged and waiting for routing in %(where)s.") % {"number": ticket.number,
                                                                                   "where": where}


@staff_required
def quick_log(request):
    chosen = None
    matches = []
    if request.method == "POST" and "find" in request.POST:
        # Without JavaScript the search button posts the form: show the matches, keep what was typed.
        form = QuickLogForm(initial=request.POST.dict())
        matches = find_callers(request.POST.get("caller_q", ""))
        picked = parse_id(request.POST.get("requester"))
        if picked:
            chosen = _active_user(picked)
    elif request.method == "POST":
        form = QuickLogForm(request.POST)
        if form.is_valid():
            try:
                ticket, message = log_call(request.user, form.cleaned_data)
            except actions.ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, message)
                return redirect(ticket_url(ticket.number))
        chosen = form.chosen_caller()
    else:
        form, chosen = _prefilled(request)
    if chosen is not None:
        matches = [chosen] + [m for m in matches if m.pk != chosen.pk]
    return render(request, "console/quicklog/form.html", {
        "form": form, "matches": matches, "chosen_id": chosen.pk if chosen else None,
        "searched": "find" in request.POST, "sidebar": build_sidebar(request),
        "solved": SOLVED, "route": ROUTE,
    })


def _prefilled(request):
    """The empty form, or, for `?call=` (the screen pop's button), the form for that call: its caller chosen,
    or their number ready for a new customer when nobody has it."""
    call = visible_calls(request.user).select_related("person").filter(
        pk=parse_id(request.GET.get("call")) or 0, ticket__isnull=True).first()
    if call is None:
        return QuickLogForm(), None
    person = call.person if call.person is not None and call.person.is_active else None
    initial = {"call": call.pk}
    if person is None:
        initial.update(caller_q=call.caller_number, new_phone=call.caller_number)
    return QuickLogForm(initial=initial), person


@staff_required
def callers(request):
    """HTMX partial: the people matching ?caller_q=, as radio buttons named `requester`."""
    text = request.GET.get("caller_q", "")
    return render(request, "console/quicklog/_callers.html",
                  {"matches": find_callers(text), "searched": len(text.strip()) >= 2})


urlpatterns = [
    path("quick-log/", quick_log, name="quick_log"),
    path("quick-log/callers/", callers, name="quick_log_callers"),
]
