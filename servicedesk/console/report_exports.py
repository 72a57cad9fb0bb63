"""The console's report downloads (`/console/reports/export.csv|.xlsx?<filters>&keys=..&by=..`, the dashboard's
"Export" buttons) and one's own report subscriptions (`/console/reports/subscriptions/`: subscribe with the
dashboard's filters, change, unsubscribe). Figures are scoped as the dashboard's (reports.scope); every change
goes through servicedesk.reportmail.actions."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.core.audit import Channel
from servicedesk.core.downloads import download_response
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.inputs import is_id, parse_id
from servicedesk.reportmail import actions
from servicedesk.reportmail.models import Frequency, Mailing, Subscription
from servicedesk.reports import dimensions, export, kpis, scope
from servicedesk.reports.filters import viewer_zone
from servicedesk.tickets.permissions import group_ids

from .access import staff_required

CHANNEL = Channel.CONSOLE
FORMATS = {"csv": export.to_csv, "xlsx": export.to_xlsx}


def _refused(request, message: str, status: int):
    return render(request, "console/reports/refused.html", {"message": message}, status=status)


@staff_required
def export_report(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    if not scope.may_view_reports(request.user):
        return _refused(request, _("Reports are for desk staff."), 403)
    try:
        filters = kpis.Filters.from_query(request.GET, user=request.user,
                                           tz=viewer_zone(request.user)).known()
        table = export.build(request.user, filters, export.parse_keys(request.GET.get("keys")),
                             export.parse_by(request.GET.get("by")))
    except ActionError as error:
        return _refused(request, error.message, error.status_code)
    return download_response(FORMATS[fmt](table), f"{table.filename}.{fmt}")


# --- subscriptions -------------------------------------------------------------------------------------------


def _zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class SubscriptionForm(DeskFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False,
                           help_text=gettext_lazy("Shown in the mail's subject, e.g. “2nd line, weekly”."))
    frequency = forms.ChoiceField(label=gettext_lazy("How often"), choices=Frequency.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language of the mail"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"),
                                  help_text=gettext_lazy("Days and periods are cut in this zone; the mail is sent "
                                                         "after the period has ended there."))
    group = forms.TypedChoiceField(label=gettext_lazy("Group"), required=False, coerce=str)
    channel = forms.TypedChoiceField(label=gettext_lazy("Channel"), required=False, coerce=str)
    # The dashboard's other filters (desk, agent, service …), carried as they were when "Subscribe" was pressed.
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    keys = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zones()
        groups = dimensions.choices("group")
        if not user.sees_whole_desk:
            mine = group_ids(user)
            groups = [(pk, label) for pk, label in groups if pk in mine]
        self.fields["group"].choices = [("", _("All groups") if user.sees_whole_desk else _("All my groups")),
                                        *[(str(pk), label) for pk, label in groups]]
        self.fields["channel"].choices = [("", _("All channels")), *dimensions.choices("channel")]

    def to_input(self) -> actions.SubscriptionInput:
        data = self.cleaned_data
        query = {name: value for name, value in QueryDict(data["query"] or "").items() if name in actions.KEPT}
        for name in ("group", "channel"):
            query.pop(name, None)
            if data[name]:
                query[name] = data[name]
        keys = [k for k in (data["keys"] or "").split(",") if k]
        return actions.SubscriptionInput(frequency=data["frequency"], language=data["language"],
                                         time_zone=data["time_zone"], name=data["name"], query=query, keys=keys)


def _initial_for(subscription: Subscription) -> dict:
    query = dict(subscription.query)
    group, channel = query.pop("group", ""), query.pop("channel", "")
    return {"name": subscription.name, "frequency": subscription.frequency, "language": subscription.language,
            "time_zone": subscription.time_zone, "group": group, "channel": channel,
            "query": _encode(query),
            "keys": ",".join(subscription.keys), "version": subscription.version}


def _encode(query: dict) -> str:
    encoded = QueryDict(mutable=True)
    encoded.update(query)
    return encoded.urlencode()


def _new_initial(request) -> dict:
    """A new subscription starts from the dashboard's filters (the link's query) and the person's own settings."""
    carried = {name: value for name, value in request.GET.items() if name in actions.KEPT}
    group, channel = carried.pop("group", ""), carried.pop("channel", "")
    return {"frequency": Frequency.WEEKLY, "language": request.user.language or settings.LANGUAGE_CODE,
            "time_zone": request.user.time_zone or timezone.get_current_timezone_name(), "group": group,
            "channel": channel, "query": _encode(carried), "keys": request.GET.get("keys", "")}


def _described(subscription: Subscription) -> str:
    """The subscription's narrowing in words (group, channel, agent …)."""
    parts = []
    for by in export.BY_CHOICES:
        value = subscription.query.get(by)
        if value:
            key = parse_id(value) if is_id(value) else value
            parts.append(f"{export.by_label(by)}: {dimensions.labels(by, [key]).get(key, value)}")
    return " · ".join(parts) or (_("The whole desk") if subscription.user.sees_whole_desk else _("Everything I "
                                                                                                 "may see"))


@staff_required
def subscriptions(request):
    if not actions.may_subscribe(request.user):
        return _refused(request, _("Report subscriptions are for desk staff."), 403)
    status = 200
    if request.method == "POST":
        form = SubscriptionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                actions.subscribe(form.to_input(), actor=request.user, channel=CHANNEL)
            except ActionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Subscribed: the report will be mailed after each period ends."))
                return redirect("console:reports_subscriptions")
        status = 400
    else:
        form = SubscriptionForm(initial=_new_initial(request), user=request.user)
    latest = Mailing.objects.filter(subscription=OuterRef("pk")).order_by("-period_start")
    own = list(Subscription.objects.filter(user=request.user).annotate(
        last_state=Subquery(latest.values("state")[:1]), last_start=Subquery(latest.values("period_start")[:1]),
        last_end=Subquery(latest.values("period_end")[:1]), last_error=Subquery(latest.values("last_error")[:1]),
    ).order_by("created_at", "id"))
    rows = [{"subscription": s, "described": _described(s),
             "form": SubscriptionForm(initial=_initial_for(s), user=request.user, prefix=f"s{s.pk}")} for s in own]
    return render(request, "console/reports/subscriptions.html", {"form": form, "rows": rows}, status=status)


def _own(request, pk: int) -> Subscription:
    found = Subscription.objects.filter(pk=pk, user=request.user).first()
    if found is None:
        raise Http404
    return found


@staff_required
@require_POST
def subscription_change(request, pk: int):
    subscription = _own(request, pk)
    form = SubscriptionForm(request.POST, user=request.user, prefix=f"s{subscription.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("console:reports_subscriptions")
    try:
        actions.change_subscription(subscription, form.to_input(), actor=request.user, channel=CHANNEL,
                                    expected_version=form.cleaned_data["version"])
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The subscription is saved."))
    return redirect("console:reports_subscriptions")


@staff_required
@require_POST
def subscription_delete(request, pk: int):
    subscription = _own(request, pk)
    try:
        actions.unsubscribe(subscription, actor=request.user, channel=CHANNEL)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Unsubscribed: this report will not be mailed to you any more."))
    return redirect("console:reports_subscriptions")


urlpatterns = [
    path("reports/export.<str:fmt>", export_report, name="reports_export"),
    path("reports/subscriptions/", subscriptions, name="reports_subscriptions"),
    path("reports/subscriptions/<id:pk>/", subscription_change, name="reports_subscription"),
    path("reports/subscriptions/<id:pk>/delete/", subscription_delete, name="reports_subscription_delete"),
]
