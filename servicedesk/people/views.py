"""The console's people screens: the list (search and filters), a person's page (details, invitation, reset
link, unlock, deactivate, reactivate), the personal-data export (JSON and a printable page), the erasure's
confirmation, and the auditor's export. Thin: reads through people.queries, acts through the actions."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.accounts import actions as accounts
from servicedesk.console.access import staff_required
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotFound

from . import actions, audit_export, personal_data, queries
from .forms import AuditForm, DetailsForm, EraseForm, NewCustomerForm, PeopleFilters, yes_no
from .permissions import may_handle_personal_data, may_read_audit
from .registry import registered

CONSOLE = audit.Channel.CONSOLE
PAGE_SIZE = 50
# The person's page shows the latest of their trail; the auditor's export has all of it.
TRAIL_ROWS = 20


def _person(request, pk: int):
    try:
        return queries.person(request.user, pk)
    except NotFound:
        raise Http404 from None


@staff_required
def people_list(request):
    filters = PeopleFilters(request.GET or None)
    found = queries.people(request.user)
    if filters.is_valid():
        data = filters.cleaned_data
        found = queries.people(request.user, q=data["q"], role=data["role"], active=yes_no(data["active"]),
                               locked=yes_no(data["locked"]))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    locked = set(queries.locked_attempts().filter(username__in=[p.username for p in page])
                 .values_list("username", flat=True))
    return render(request, "people/list.html", {
        "filters": filters, "page": page, "locked": locked, "new_form": NewCustomerForm(),
        "may_read_audit": may_read_audit(request.user)})


@staff_required
@require_POST
def create(request):
    form = NewCustomerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = actions.create_person(name=data["name"], email=data["email"], phone=data["phone"],
                                           organisation=data["organisation"], language=data["language"],
                                           invite=data["invite"], actor=request.user, channel=CONSOLE)
        except ActionError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": person.display_name})
            if data["invite"]:
                messages.success(request, _("Invitation sent to %(address)s.") % {"address": person.email})
            return redirect("people:person", person.pk)
    return render(request, "people/list.html", {
        "filters": PeopleFilters(), "page": None, "locked": set(), "new_form": form,
        "may_read_audit": may_read_audit(request.user)}, status=400)


def _person_page(request, person, form=None, status=200):
    initial = {name: getattr(person, name) for name in accounts.DETAIL_FIELDS}
    return render(request, "people/person.html", {
        "person": person, "form": form or DetailsForm(initial=initial), "locked": queries.is_locked(person),
        "trail": [(e, audit.action_label(e.action), audit.field_label(e))
                  for e in audit.trail(person).select_related("content_type")[:TRAIL_ROWS]],
        "may_handle_personal_data": may_handle_personal_data(request.user, person),
    }, status=status)


@staff_required
def person_page(request, pk: int):
    person = _person(request, pk)
    if request.method != "POST":
        return _person_page(request, person)
    form = DetailsForm(request.POST)
    if not form.is_valid():
        return _person_page(request, person, form, 400)
    try:
        accounts.update_person(person, actor=request.user, channel=CONSOLE, **form.cleaned_data)
    except ActionError as refused:
        form.add_error(None, refused.message)
        return _person_page(request, person, form, 400)
    messages.success(request, _("Saved."))
    return redirect("people:person", person.pk)


ACTS = {
    "invite": (actions.send_invitation, lambda p: _("Invitation sent to %(address)s.") % {"address": p.email}),
    "reset-link": (actions.send_reset_link,
                   lambda p: _("Password reset link sent to %(address)s.") % {"address": p.email}),
    "unlock": (accounts.unlock_sign_in, lambda p: _("Sign-in unlocked.")),
    "deactivate": (accounts.deactivate_user, lambda p: _("%(name)s deactivated.") % {"name": p.display_name}),
    "reactivate": (accounts.reactivate_user, lambda p: _("%(name)s reactivated.") % {"name": p.display_name}),
}


@staff_required
@require_POST
def act(request, pk: int, what: str):
    person = _person(request, pk)
    if what not in ACTS:
        raise Http404
    fn, said = ACTS[what]
    extra = {"reason": request.POST.get("reason", "")[:500]} if what in ("deactivate", "reactivate") else {}
    try:
        fn(person, actor=request.user, channel=CONSOLE, **extra)
    except ActionError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, said(person))
    return redirect("people:person", person.pk)


def _export(request, pk: int):
    person = _person(request, pk)
    try:
        return person, actions.export_person(person, actor=request.user, channel=CONSOLE)
    except ActionError as refused:
        messages.error(request, refused.message)
        return person, None


@staff_required
def personal_data_json(request, pk: int):
    person, data = _export(request, pk)
    if data is None:
        return redirect("people:person", person.pk)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{person.pk}.json"'
    return response


@staff_required
def personal_data_page(request, pk: int):
    person, data = _export(request, pk)
    if data is None:
        return redirect("people:person", person.pk)
    titles = {part.label: part.title or part.label for part in registered()}
    page = personal_data.printable(data)
    return render(request, "people/personal_data.html", {
        "person": person, "data": page,
        "account": [(personal_data.account_label(key), personal_data.shown(value))
                    for key, value in page["account"].items()],
        "other": [(titles.get(label, label), personal_data.shown(part)) for label, part in page["other"].items()]})


@staff_required
def erase(request, pk: int):
    person = _person(request, pk)
    if not may_handle_personal_data(request.user, person):
        messages.error(request, _("Only administrators and desk managers erase a person's data."))
        return redirect("people:person", person.pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.erase_person(person, confirm_name=form.cleaned_data["confirm"], actor=request.user,
                                 channel=CONSOLE)
        except ActionError as refused:
            form.add_error("confirm", refused.message)
        else:
            messages.success(request, _("The person's personal data was erased."))
            return redirect("people:list")
    return render(request, "people/erase.html", {"person": person, "form": form},
                  status=400 if request.method == "POST" else 200)


@staff_required
def audit_page(request):
    if not may_read_audit(request.user):
        raise Http404
    today = timezone.localdate()
    form = AuditForm(request.GET or None, initial={"kind": "person", "start": today - datetime.timedelta(days=30),
                                                   "end": today})
    rows, status = None, 200
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            rows = audit_export.rows(audit_export.entries(request.user, kind=data["kind"], object_id=data["id"],
                                                          start=data["start"], end=data["end"]))
        except ActionError as refused:
            form.add_error(None, refused.message)
            status = 400
        else:
            fmt = request.GET.get("format")
            if fmt == "csv":
                response = HttpResponse(audit_export.as_csv(rows), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = 'attachment; filename="audit.csv"'
                return response
            if fmt == "json":
                response = HttpResponse(json.dumps(rows, ensure_ascii=False, indent=2), content_type="application/json")
                response["Content-Disposition"] = 'attachment; filename="audit.json"'
                return response
    elif request.GET:
        status = 400
    query = request.GET.urlencode()
    return render(request, "people/audit.html", {"form": form, "rows": rows, "query": query,
                                                 "list_url": reverse("people:list")}, status=status)
