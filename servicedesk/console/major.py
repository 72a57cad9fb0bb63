"""The console's major-incident screens (重大事件): the list, a major incident's page (pages and their
acknowledgements, related incidents and possible duplicates to link, the service notice, the timeline with its
Markdown and CSV downloads, stand down and resolve), declaring and linking from a ticket page, and the
major-incident contact table (重大情况联系表) for managers. Every change goes through servicedesk.major.actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.accounts.models import Group, User
from servicedesk.core.audit import Channel
from servicedesk.core.downloads import download_response
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.inputs import is_id, parse_id
from servicedesk.major import actions, timeline
from servicedesk.major.models import AckVia, Contact, ContactChannel, MajorIncident, State
from servicedesk.tickets import permissions
from servicedesk.tickets.models import OPEN_STATUSES, Category, Service, Ticket, TicketType
from servicedesk.tickets.queries import ticket_reference

from .ticket_access import staff_required, visible_ticket
from .ticket_timeline import possible_duplicates

CHANNEL = Channel.CONSOLE


class DeclareForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is this a major incident?"), max_length=actions.MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 2}))
    notice = forms.BooleanField(label=gettext_lazy("Publish a service notice for the affected service"),
                                required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EndForm(DeskFormMixin, forms.Form):
    text = forms.CharField(max_length=actions.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ContactForm(DeskFormMixin, forms.Form):
    service = forms.ModelChoiceField(label=gettext_lazy("Service"), required=False,
                                     queryset=Service.objects.filter(is_active=True),
                                     help_text=gettext_lazy("Neither service nor category: the desk-wide default."))
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), required=False,
                                      queryset=Category.objects.filter(is_active=True).in_catalogue_order())
    order = forms.IntegerField(label=gettext_lazy("Order"), min_value=1, max_value=99, initial=1,
                               help_text=gettext_lazy("The same order: paged together. The next order is paged "
                                                      "when none of them acknowledged in time."))
    user = forms.ModelChoiceField(label=gettext_lazy("Person"), required=False,
                                  queryset=User.objects.filter(is_active=True).exclude(role="customer")
                                  .order_by("username"))
    group = forms.ModelChoiceField(label=gettext_lazy("Group"), required=False,
                                   queryset=Group.objects.filter(is_active=True))
    name = forms.CharField(label=gettext_lazy("Or someone outside the desk: name"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=50)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ContactChannel.choices)
    respond_within = forms.IntegerField(label=gettext_lazy("Respond within (minutes)"), min_value=1,
                                        max_value=10080, initial=15)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def to_input(self) -> actions.ContactInput:
        return actions.ContactInput(**self.cleaned_data)


# ---------------------------------------------------------------------------------------------
# Reading


def _visible_major(user, number: str) -> MajorIncident:
    ticket = visible_ticket(user, number)
    major = MajorIncident.objects.select_related("ticket", "declared_by", "ended_by", "announcement").filter(
        ticket=ticket).first()
    if major is None:
        raise Http404
    return major


@staff_required
def major_list(request):
    majors = [m for m in MajorIncident.objects.select_related("ticket", "declared_by").order_by(
        "-declared_at")[:200] if permissions.can_see(request.user, m.ticket)]
    return render(request, "console/major/list.html", {
        "active": [m for m in majors if m.is_active], "ended": [m for m in majors if not m.is_active],
        "may_keep_contacts": actions.may_keep_contacts(request.user)})


def _candidates(major: MajorIncident, user) -> list:
    """Open incidents to link: the possible duplicates of the major ticket, not linked yet."""
    linked = set(actions.linked_incidents(major).values_list("pk", flat=True))
    return [(t, words) for t, words in possible_duplicates(major.ticket, user)
            if t.pk not in linked and t.type == TicketType.INCIDENT and t.status in OPEN_STATUSES]


@staff_required
def major_page(request, number):
    major = _visible_major(request.user, number)
    linked = [t for t in actions.linked_incidents(major).select_related("requester").order_by("id")
              if permissions.can_see(request.user, t)]
    return render(request, "console/major/page.html", {
        "major": major, "ticket": major.ticket,
        "pages": list(major.pages.select_related("acknowledged_by").order_by("sent_at", "order", "id")),
        "linked": linked, "candidates": _candidates(major, request.user) if major.is_active else [],
        "moments": timeline.moments(major, request.user),
        "may_declare": actions.may_declare(request.user), "may_link": actions.may_link(request.user, major),
        "contacts": actions.contacts_for(major.ticket),
    })


@staff_required
def timeline_download(request, number, kind):
    major = _visible_major(request.user, number)
    if kind == "md":
        return download_response(timeline.as_markdown(major, request.user).encode(),
                                 f"{major.ticket.number}-timeline.md")
    return download_response(timeline.as_csv(major, request.user).encode(), f"{major.ticket.number}-timeline.csv")


# ---------------------------------------------------------------------------------------------
# Changes


def _done(request, call, success: str) -> None:
    try:
        call()
    except ActionError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success)


def _version(value) -> int | None:
    return parse_id(value) if is_id(value) else None


@staff_required
@require_POST
def declare(request, number):
    ticket = visible_ticket(request.user, number)
    form = DeclareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this is a major incident."))
        return redirect("console:ticket", number=ticket.number)
    try:
        actions.declare(ticket, actor=request.user, reason=form.cleaned_data["reason"], channel=CHANNEL,
                        publish_notice=form.cleaned_data["notice"], expected_version=_version(request.POST.get(
                            "version")))
    except ActionError as refused:
        messages.error(request, refused.message)
        return redirect("console:ticket", number=ticket.number)
    messages.success(request, _("%(number)s is a major incident; its contacts are being paged.") % {
        "number": ticket.number})
    return redirect("console:major", number=ticket.number)


def _end(request, number, call, success: str):
    major = _visible_major(request.user, number)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what happened: it is part of the review."))
    else:
        _done(request, lambda: call(major, form.cleaned_data["text"], form.cleaned_data["version"]), success)
    return redirect("console:major", number=major.ticket.number)


@staff_required
@require_POST
def stand_down(request, number):
    return _end(request, number, lambda major, text, version: actions.stand_down(
        major, actor=request.user, reason=text, channel=CHANNEL, expected_version=version),
        _("The major incident is stood down."))


@staff_required
@require_POST
def resolve(request, number):
    return _end(request, number, lambda major, text, version: actions.resolve(
        major, actor=request.user, resolution=text, channel=CHANNEL, expected_version=version),
        _("The major incident is resolved, and its open linked incidents with it."))


@staff_required
@require_POST
def link_incident(request, number):
    """From the major incident's page: a number typed, or one of the possible duplicates."""
    major = _visible_major(request.user, number)
    lookup = ticket_reference(request.POST.get("number"))
    incident = Ticket.objects.filter(lookup).first() if lookup is not None else None
    if incident is None or not permissions.can_see(request.user, incident):
        messages.error(request, _("No such ticket."))
    else:
        _done(request, lambda: actions.link_incident(major, incident, actor=request.user, channel=CHANNEL),
              _("%(number)s is linked under the major incident.") % {"number": incident.number})
    return redirect("console:major", number=major.ticket.number)


@staff_required
@require_POST
def link_from_ticket(request, number):
    """From an incident's page: link it under the chosen active major incident."""
    ticket = visible_ticket(request.user, number)
    major = MajorIncident.objects.filter(pk=parse_id(request.POST.get("major")) or 0, state=State.ACTIVE).first()
    if major is None:
        messages.error(request, _("Choose an active major incident."))
    else:
        _done(request, lambda: actions.link_incident(major, ticket, actor=request.user, channel=CHANNEL),
              _("%(number)s is linked under the major incident.") % {"number": ticket.number})
    return redirect("console:ticket", number=ticket.number)


@staff_required
@require_POST
def acknowledge(request, number, page_id):
    major = _visible_major(request.user, number)
    page = major.pages.filter(pk=page_id).first()
    if page is None:
        raise Http404
    _done(request, lambda: actions.acknowledge(page, actor=request.user, via=AckVia.CONSOLE, channel=CHANNEL),
          _("The acknowledgement of %(name)s is recorded.") % {"name": page.name})
    return redirect("console:major", number=major.ticket.number)


# ---------------------------------------------------------------------------------------------
# The contact table


@staff_required
def contact_list(request):
    contacts = list(Contact.objects.select_related("service", "category__service", "category__parent", "user",
                                                   "group").order_by("service__name", "category_id", "order", "id"))
    return render(request, "console/major/contacts.html", {
        "contacts": contacts, "may_keep": actions.may_keep_contacts(request.user)})


def _contact(pk: int) -> Contact:
    found = Contact.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@staff_required
def contact_edit(request, pk=None):
    contact = _contact(pk) if pk is not None else None
    status = 200
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                actions.save_contact(contact, form.to_input(), actor=request.user, channel=CHANNEL)
            except ActionError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The contact table is saved."))
                return redirect("console:major_contacts")
        status = 400
    else:
        initial = {name: getattr(contact, name) for name in actions.CONTACT_FIELDS} if contact else {}
        form = ContactForm(initial=initial or None)
    return render(request, "console/major/contact_form.html", {
        "form": form, "contact": contact, "may_keep": actions.may_keep_contacts(request.user)}, status=status)


@staff_required
@require_POST
def contact_delete(request, pk):
    contact = _contact(pk)
    _done(request, lambda: actions.delete_contact(contact, actor=request.user, channel=CHANNEL),
          _("The contact is removed from the table."))
    return redirect("console:major_contacts")


urlpatterns = [
    path("major/", major_list, name="majors"),
    path("major/contacts/", contact_list, name="major_contacts"),
    path("major/contacts/new/", contact_edit, name="major_contact_new"),
    path("major/contacts/<id:pk>/", contact_edit, name="major_contact"),
    path("major/contacts/<id:pk>/delete/", contact_delete, name="major_contact_delete"),
    path("major/<str:number>/", major_page, name="major"),
    path("major/<str:number>/stand-down/", stand_down, name="major_stand_down"),
    path("major/<str:number>/resolve/", resolve, name="major_resolve"),
    path("major/<str:number>/links/", link_incident, name="major_link"),
    path("major/<str:number>/pages/<id:page_id>/acknowledge/", acknowledge, name="major_ack_page"),
    path("major/<str:number>/timeline.md", timeline_download, {"kind": "md"}, name="major_timeline_md"),
    path("major/<str:number>/timeline.csv", timeline_download, {"kind": "csv"}, name="major_timeline_csv"),
    path("tickets/<str:number>/major/", declare, name="ticket_major_declare"),
    path("tickets/<str:number>/major/link/", link_from_ticket, name="ticket_major_link"),
]
