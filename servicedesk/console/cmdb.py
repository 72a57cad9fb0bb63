"""The console's configuration item screens (配置项): the list, an item's page (its details, its open and past
tickets, problems and changes grouped by type, its relations), the impact view ("if this fails, what is
affected, and who uses it?" — by level and as a graph), the add/edit form with the type's own fields, and —
on a ticket page — the "Configuration items" panel. Every change goes through servicedesk.cmdb.actions."""

from __future__ import annotations

import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.accounts.models import Group, Organisation, User
from servicedesk.cmdb import actions, importing, visibility
from servicedesk.cmdb.attributes import field_label
from servicedesk.cmdb.impact import DEFAULT_DEPTH, MAX_DEPTH, impact, tickets_for_item
from servicedesk.cmdb.models import CiType, ConfigItem, FieldKind, ItemStatus, Relation, RelationKind
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.inputs import is_id, parse_id
from servicedesk.tickets.models import TicketType

from .listing import page_context
from .ticket_access import staff_required, visible_ticket

CHANNEL = Channel.CONSOLE
PAGE_SIZE = 50


class ItemForm(DeskFormMixin, forms.Form):
    """The item's own fields, then one field per field of its type (`attr_<key>`)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=actions.NAME_MAX)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ItemStatus.choices, initial=ItemStatus.IN_USE)
    critical = forms.BooleanField(label=gettext_lazy("Critical: a major service (incidents on what it depends on "
                                                     "get high impact)"), required=False)
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner (team)"), queryset=Group.objects.filter(is_active=True),
                                   required=False)
    user = forms.CharField(label=gettext_lazy("User (user name or e-mail)"), max_length=254, required=False)
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"),
                                          queryset=Organisation.objects.order_by("name"), required=False)
    location = forms.CharField(label=gettext_lazy("Location"), max_length=actions.TEXT_MAX, required=False)
    supplier = forms.CharField(label=gettext_lazy("Supplier"), max_length=actions.TEXT_MAX, required=False)
    contract = forms.CharField(label=gettext_lazy("Contract"), max_length=actions.TEXT_MAX, required=False)
    serial = forms.CharField(label=gettext_lazy("Serial number"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, ci_type: CiType, **kwargs):
        super().__init__(*args, **kwargs)
        self.ci_type = ci_type
        for definition in ci_type.fields:
            label, kind = field_label(definition), definition.get("kind", FieldKind.TEXT)
            required = False  # the action says what is missing, in the same words for every channel
            if kind == FieldKind.CHOICE:
                field = forms.ChoiceField(label=label, required=required,
                                          choices=[("", "—"), *[(c, c) for c in definition.get("choices", [])]])
            elif kind == FieldKind.DATE:
                field = forms.CharField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
            elif kind == FieldKind.NUMBER:
                field = forms.CharField(label=label, required=required, widget=forms.TextInput(
                    attrs={"inputmode": "decimal"}))
            else:
                field = forms.CharField(label=label, required=required, max_length=1000)
            self.fields[f"attr_{definition['key']}"] = field

    def clean_user(self):
        text = (self.cleaned_data.get("user") or "").strip()
        if not text:
            return None
        found = User.objects.filter(Q(username__iexact=text) | Q(email__iexact=text), is_active=True).first()
        if found is None:
            raise forms.ValidationError(_("Nobody active is called %(name)s.") % {"name": text})
        return found

    def to_input(self) -> actions.ItemInput:
        data = self.cleaned_data
        return actions.ItemInput(
            type=self.ci_type, name=data["name"], status=data["status"], critical=data["critical"],
            owner=data["owner"], user=data["user"], organisation=data["organisation"], location=data["location"],
            supplier=data["supplier"], contract=data["contract"], serial=data["serial"],
            attributes={d["key"]: data.get(f"attr_{d['key']}") for d in self.ci_type.fields})


def _initial(item: ConfigItem) -> dict:
    initial = {"name": item.name, "status": item.status, "critical": item.critical, "owner": item.owner_id,
               "user": item.user.username if item.user else "", "organisation": item.organisation_id,
               "location": item.location, "supplier": item.supplier, "contract": item.contract, "serial": item.serial,
               "version": item.version}
    initial.update({f"attr_{key}": value for key, value in item.attributes.items()})
    return initial


def _item(request, pk: int) -> ConfigItem:
    found = (visibility.visible_items(request.user).select_related("type", "owner", "user", "organisation")
             .filter(pk=pk).first())
    if found is None:
        raise Http404
    return found


@staff_required
def item_list(request):
    items = ConfigItem.objects.select_related("type", "user", "owner")
    q = (request.GET.get("q") or "").strip()[:200]
    if q:
        items = items.filter(Q(name__icontains=q) | Q(serial__iexact=q))
    type_key = request.GET.get("type") or ""
    if type_key:
        items = items.filter(type__key=type_key)
    status = request.GET.get("status") or ""
    if status in ItemStatus.values:
        items = items.filter(status=status)
    return render(request, "console/cmdb/list.html", {
        **page_context(request, items, "updated_at", PAGE_SIZE), "q": q, "types": CiType.objects.all(),
        "type_key": type_key, "status": status, "statuses": ItemStatus.choices,
        "may_manage": visibility.may_manage(request.user)})


def _tickets_by_type(item: ConfigItem, user) -> list[tuple[str, list, list]]:
    """(type label, open tickets, past tickets) for each ticket type the item has tickets of."""
    tickets = list(tickets_for_item(item, user=user)[:500])
    grouped = []
    for kind in TicketType:
        of_kind = [t for t in tickets if t.type == kind]
        if of_kind:
            grouped.append((kind.label, [t for t in of_kind if t.is_open], [t for t in of_kind if not t.is_open]))
    return grouped


@staff_required
def item_page(request, pk):
    item = _item(request, pk)
    may_manage = visibility.may_manage(request.user)
    form = ItemForm(initial=_initial(item), ci_type=item.type)
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        form = ItemForm(request.POST, ci_type=item.type)
        if form.is_valid():
            try:
                actions.update_item(item, actor=request.user, channel=CHANNEL, data=form.to_input(),
                                    expected_version=form.cleaned_data["version"])
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved “%(name)s”.") % {"name": form.cleaned_data["name"]})
                return redirect("console:cmdb_item", pk=item.pk)
        status = 400
    relations = (Relation.objects.filter(Q(source=item) | Q(target=item)).select_related("source", "target")
                 .order_by("kind", "id"))
    return render(request, "console/cmdb/item.html", {
        "item": item, "form": form, "may_manage": may_manage, "tickets": _tickets_by_type(item, request.user),
        "outgoing": [r for r in relations if r.source_id == item.pk],
        "incoming": [r for r in relations if r.target_id == item.pk],
        "kinds": RelationKind.choices, "attributes": _attribute_rows(item),
    }, status=status)


def _attribute_rows(item: ConfigItem) -> list[tuple[str, object]]:
    return [(field_label(d), item.attributes[d["key"]]) for d in item.type.fields if d["key"] in item.attributes]


@staff_required
def item_new(request):
    if not visibility.may_manage(request.user):
        raise PermissionDenied
    types = list(CiType.objects.all())
    chosen = next((t for t in types if t.key == (request.POST.get("type") or request.GET.get("type"))), None)
    form, status = None, 200
    if chosen is not None:
        form = ItemForm(request.POST if request.method == "POST" else None, ci_type=chosen)
        if request.method == "POST":
            if form.is_valid():
                try:
                    made = actions.create_item(actor=request.user, channel=CHANNEL, data=form.to_input())
                except ActionError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Saved “%(name)s”.") % {"name": made.name})
                    return redirect("console:cmdb_item", pk=made.pk)
            status = 400
    return render(request, "console/cmdb/new.html", {"types": types, "chosen": chosen, "form": form},
                  status=status)


def _item_post(view):
    @staff_required
    @require_POST
    def wrapped(request, pk, **kwargs):
        item = _item(request, pk)
        try:
            done = view(request, item, **kwargs)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
        return redirect("console:cmdb_item", pk=item.pk)

    return wrapped


def _version(request) -> int | None:
    return parse_id(request.POST["version"]) if is_id(request.POST.get("version")) else None


def _named_item(text: str | None) -> ConfigItem:
    """An item named by id, exact name or serial number (as typed in a panel)."""
    text = (text or "").strip()
    if not text:
        raise ActionError(_("Name the configuration item (its name or serial number)."))
    pk = parse_id(text)
    found = list(ConfigItem.objects.filter(Q(name__iexact=text) | Q(serial__iexact=text) | Q(pk=pk or 0))[:2])
    if not found:
        raise ActionError(_("No configuration item is called %(name)s.") % {"name": text})
    if len(found) > 1:
        raise ActionError(_("Several configuration items are called %(name)s: use the serial number.")
                          % {"name": text})
    return found[0]


def retire_view(request, item):
    actions.retire_item(item, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    return _("%(name)s is retired.") % {"name": item.name}


def relation_add_view(request, item):
    other = _named_item(request.POST.get("other"))
    kind = request.POST.get("kind") or ""
    if request.POST.get("direction") == "in":
        actions.add_relation(other, item, kind, actor=request.user, channel=CHANNEL)
    else:
        actions.add_relation(item, other, kind, actor=request.user, channel=CHANNEL)
    return _("The relation is added.")


def relation_remove_view(request, item, relation_id):
    if not Relation.objects.filter(Q(source=item) | Q(target=item), pk=relation_id).exists():
        raise Http404
    actions.remove_relation(relation_id, actor=request.user, channel=CHANNEL)
    return _("The relation is removed.")


@staff_required
def impact_page(request, pk):
    item = _item(request, pk)
    depth = parse_id(request.GET.get("depth")) or DEFAULT_DEPTH
    found = impact(item, depth=min(depth, MAX_DEPTH))
    drawn = {found.item.pk, *[s for s, _t, _k in found.edges], *[t for _s, t, _k in found.edges]}
    level_of = {i.pk: level for level, items in found.levels.items() for i in items}
    names = {i.pk: i for i in [found.item, *found.affected]}
    graph = {
        "nodes": [{"id": str(pk), "name": names[pk].name, "level": level_of.get(pk, 0),
                   "type": names[pk].type.local_name, "service": names[pk].type.is_service,
                   "critical": names[pk].critical} for pk in drawn if pk in names],
        "links": [{"source": str(s), "target": str(t), "label": str(RelationKind(k).label)}
                  for s, t, k in found.edges],
    }
    return render(request, "console/cmdb/impact.html", {
        "item": item, "impact": found, "graph": graph,
        "levels": [(level, items, found.counts[level]) for level, items in sorted(found.levels.items())],
        "depths": range(1, MAX_DEPTH + 1)})


@staff_required
@require_POST
def ticket_link(request, number):
    """From a ticket page: link the named item (or the requester's chosen device)."""
    ticket = visible_ticket(request.user, number)
    try:
        pk = parse_id(request.POST.get("item"))
        item = pk if pk is not None else _named_item(request.POST.get("name"))
        actions.link_item(ticket, item, actor=request.user, channel=CHANNEL)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The configuration item is linked."))
    return redirect("console:ticket", number=ticket.number)


@staff_required
@require_POST
def ticket_unlink(request, number, item_id):
    ticket = visible_ticket(request.user, number)
    try:
        actions.unlink_item(ticket, item_id, actor=request.user, channel=CHANNEL)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The configuration item is unlinked."))
    return redirect("console:ticket", number=ticket.number)


urlpatterns = [
    path("cmdb/", item_list, name="cmdb_items"),
    path("cmdb/new/", item_new, name="cmdb_item_new"),
    path("cmdb/<id:pk>/", item_page, name="cmdb_item"),
    path("cmdb/<id:pk>/impact/", impact_page, name="cmdb_impact"),
    path("cmdb/<id:pk>/retire/", _item_post(retire_view), name="cmdb_retire"),
    path("cmdb/<id:pk>/relations/", _item_post(relation_add_view), name="cmdb_relation_add"),
    path("cmdb/<id:pk>/relations/<id:relation_id>/remove/", _item_post(relation_remove_view),
         name="cmdb_relation_remove"),
    path("tickets/<str:number>/items/", ticket_link, name="ticket_item_link"),
    path("tickets/<str:number>/items/<id:item_id>/remove/", ticket_unlink, name="ticket_item_unlink"),
]


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.csv or .xlsx)"))


IMPORT_SESSION_KEY = "cmdb_import"
IMPORT_FOLDER = "cmdb-imports"


@staff_required
def import_page(request):
    """Upload: a dry run, its report, and the file kept (under the media folder, named in the session) so that
    "Apply" imports the very file the report was about."""
    if not visibility.may_manage(request.user):
        raise PermissionDenied
    form, report, status = ImportForm(), None, 200
    if request.method == "POST":
        try:
            if request.POST.get("apply"):
                report = _apply_kept(request)
            else:
                form = ImportForm(request.POST, request.FILES)
                if form.is_valid():
                    report = _dry_run(request, form.cleaned_data["file"])
                else:
                    status = 400
        except ActionError as exc:
            messages.error(request, exc.message)
            status = 400
    return render(request, "console/cmdb/import.html", {"form": form, "report": report}, status=status)


def _dry_run(request, upload) -> importing.Report:
    if getattr(upload, "refused", False) or upload.size > settings.SERVICEDESK_ATTACHMENT_MAX_BYTES:
        raise ActionError(_("The file is too large."))
    data = upload.read()
    report = importing.run_import(upload.name, data, actor=request.user, channel=CHANNEL, apply=False)
    _forget_kept(request)
    suffix = Path(upload.name).suffix.lower()
    kept = default_storage.save(f"{IMPORT_FOLDER}/{secrets.token_hex(16)}{suffix}", ContentFile(data))
    request.session[IMPORT_SESSION_KEY] = {"path": kept, "name": upload.name}
    return report


def _forget_kept(request) -> None:
    kept = request.session.pop(IMPORT_SESSION_KEY, None)
    if kept:
        default_storage.delete(kept["path"])


def _apply_kept(request) -> importing.Report:
    kept = request.session.get(IMPORT_SESSION_KEY)
    if not kept or not default_storage.exists(kept["path"]):
        raise ActionError(_("Upload the file again: the dry run it belonged to has expired."))
    with default_storage.open(kept["path"], "rb") as stored:
        data = stored.read()
    report = importing.run_import(kept["name"], data, actor=request.user, channel=CHANNEL, apply=True)
    _forget_kept(request)
    return report


urlpatterns.append(path("cmdb/import/", import_page, name="cmdb_import"))
