"""The console's announcement screens (公告): the list, the create/edit form (both languages' texts, services,
organisations, times), end now, e-mail the affected customers, delete, and the tickets linked to a notice —
and, on a ticket page, "link to announcement". Every change goes through servicedesk.announcements.actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.accounts.models import Organisation
from servicedesk.announcements import actions, visibility
from servicedesk.announcements.models import Announcement, Kind, Phase
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.inputs import is_id, parse_id
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Service, Ticket
from servicedesk.tickets.queries import ticket_reference

from .ticket_access import staff_required, visible_ticket

CHANNEL = Channel.CONSOLE
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class When(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format=LOCAL_INPUT)


class AnnouncementForm(DeskFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    title = forms.CharField(label=gettext_lazy("Title (English)"), max_length=actions.MAX_TITLE)
    title_zh = forms.CharField(label=gettext_lazy("Title (Chinese)"), max_length=actions.MAX_TITLE, required=False)
    body = forms.CharField(label=gettext_lazy("Text (English)"), widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=actions.MAX_BODY, required=False)
    body_zh = forms.CharField(label=gettext_lazy("Text (Chinese)"), widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=actions.MAX_BODY, required=False)
    starts_at = forms.DateTimeField(label=gettext_lazy("Start"), widget=When(), input_formats=[LOCAL_INPUT])
    ends_at = forms.DateTimeField(label=gettext_lazy("End"), widget=When(), input_formats=[LOCAL_INPUT],
                                  required=False, help_text=gettext_lazy("Empty: until it is ended."))
    services = forms.ModelMultipleChoiceField(label=gettext_lazy("Affected services"), required=False,
                                              queryset=Service.objects.filter(is_active=True),
                                              widget=forms.CheckboxSelectMultiple)
    organisations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Affected organisations"), required=False, queryset=Organisation.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("None: everyone is affected."))
    public = forms.BooleanField(label=gettext_lazy("Public: shown on the status page without sign-in"),
                                required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def to_input(self, notice: Announcement | None = None) -> actions.AnnouncementInput:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if notice is not None:
            # The form shows times to the minute: a time left as shown keeps its seconds (an "end now").
            for name in ("starts_at", "ends_at"):
                stored = getattr(notice, name)
                if stored is not None and data[name] == stored.replace(second=0, microsecond=0):
                    del data[name]
        data["services"], data["organisations"] = list(data["services"]), list(data["organisations"])
        return actions.AnnouncementInput(**data)


def _initial(a: Announcement) -> dict:
    return {"kind": a.kind, "title": a.title, "title_zh": a.title_zh, "body": a.body, "body_zh": a.body_zh,
            "starts_at": timezone.localtime(a.starts_at),
            "ends_at": timezone.localtime(a.ends_at) if a.ends_at else None,
            "services": list(a.services.all()), "organisations": list(a.organisations.all()), "public": a.public,
            "version": a.version}


def _notice(pk: int) -> Announcement:
    found = Announcement.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@staff_required
def notice_list(request):
    now = timezone.now()
    notices = list(Announcement.objects.prefetch_related("services", "organisations")
                   .order_by("-starts_at", "-id")[:200])
    phases = [(Phase(phase).label, [n for n in notices if n.phase(now) == phase])
              for phase in (Phase.CURRENT, Phase.PLANNED, Phase.ENDED)]
    return render(request, "console/notices/list.html", {
        "phases": phases, "may_write": visibility.may_write(request.user)})


@staff_required
def notice_edit(request, pk=None):
    notice = _notice(pk) if pk is not None else None
    if request.method == "POST":
        if not visibility.may_write(request.user):
            raise PermissionDenied
        form = AnnouncementForm(request.POST)
        if form.is_valid():
            try:
                if notice is None:
                    notice = actions.create_announcement(form.to_input(), actor=request.user, channel=CHANNEL)
                else:
                    actions.update_announcement(notice, form.to_input(notice), actor=request.user, channel=CHANNEL,
                                                expected_version=form.cleaned_data["version"])
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved “%(title)s”.") % {"title": form.cleaned_data["title"]})
                return redirect("console:notice", pk=notice.pk)
        status = 400
    else:
        if notice is None and not visibility.may_write(request.user):
            raise PermissionDenied
        form = AnnouncementForm(initial=_initial(notice) if notice else {"starts_at": timezone.localtime()})
        status = 200
    linked = []
    if notice is not None:
        tickets = Ticket.objects.filter(announcement_links__announcement=notice).order_by("id")
        linked = [t for t in tickets if permissions.can_see(request.user, t)]
    return render(request, "console/notices/form.html", {
        "form": form, "notice": notice, "linked": linked, "may_write": visibility.may_write(request.user),
        "may_delete": visibility.may_delete(request.user), "phase": notice.phase() if notice else "",
    }, status=status)


def _notice_post(view):
    @staff_required
    @require_POST
    def wrapped(request, pk, **kwargs):
        notice = _notice(pk)
        try:
            done = view(request, notice, **kwargs)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            if done:
                messages.success(request, done)
        if request.POST.get("next") == "ticket" and kwargs.get("number"):
            return redirect("console:ticket", number=kwargs["number"])
        return redirect("console:notices") if view is notice_delete_view else redirect("console:notice", pk=notice.pk)

    return wrapped


def _version(request) -> int | None:
    return parse_id(request.POST["version"]) if is_id(request.POST.get("version")) else None


def notice_end_view(request, notice):
    actions.end_announcement(notice, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    return _("The announcement has ended.")


def notice_notify_view(request, notice):
    count = actions.notify_affected(notice, actor=request.user, channel=CHANNEL, expected_version=_version(request),
                                    resend=request.POST.get("resend") == "1")
    return _("E-mail is on its way to %(n)s affected customers.") % {"n": count}


def notice_delete_view(request, notice):
    actions.delete_announcement(notice, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    return _("The announcement has been deleted.")


def notice_link_view(request, notice):
    lookup = ticket_reference(request.POST.get("number"))  # 38, SD-38, sd-000038: as everywhere
    ticket = Ticket.objects.filter(lookup).first() if lookup is not None else None
    if ticket is None:
        raise ActionError(_("No such ticket."))
    actions.link_ticket(notice, ticket, actor=request.user, channel=CHANNEL)
    return _("%(number)s is linked.") % {"number": ticket.number}


def notice_unlink_view(request, notice, number):
    ticket = visible_ticket(request.user, number)
    actions.unlink_ticket(notice, ticket, actor=request.user, channel=CHANNEL)
    return _("%(number)s is no longer linked.") % {"number": ticket.number}


@staff_required
@require_POST
def ticket_link(request, number):
    """From a ticket page: link the ticket to the chosen announcement."""
    ticket = visible_ticket(request.user, number)
    pk = parse_id(request.POST.get("announcement"))
    try:
        if pk is None:
            raise ActionError(_("Choose an announcement."))
        actions.link_ticket(pk, ticket, actor=request.user, channel=CHANNEL)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(number)s is linked.") % {"number": ticket.number})
    return redirect("console:ticket", number=ticket.number)


urlpatterns = [
    path("announcements/", notice_list, name="notices"),
    path("announcements/new/", notice_edit, name="notice_new"),
    path("announcements/<id:pk>/", notice_edit, name="notice"),
    path("announcements/<id:pk>/end/", _notice_post(notice_end_view), name="notice_end"),
    path("announcements/<id:pk>/notify/", _notice_post(notice_notify_view), name="notice_notify"),
    path("announcements/<id:pk>/delete/", _notice_post(notice_delete_view), name="notice_delete"),
    path("announcements/<id:pk>/tickets/", _notice_post(notice_link_view), name="notice_link"),
    path("announcements/<id:pk>/tickets/<str:number>/remove/", _notice_post(notice_unlink_view),
         name="notice_unlink"),
    path("tickets/<str:number>/announcement/", ticket_link, name="ticket_notice"),
]
