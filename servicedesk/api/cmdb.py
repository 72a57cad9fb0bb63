"""/api/v1/cmdb: configuration items (配置项), their relations, what fails with one (impact) and the tickets
linked to them. Read through `cmdb.visibility` (desk staff every item; a customer the items they use);
written through `servicedesk.cmdb.actions` (items and relations by group leads, desk managers and
administrators; links by desk staff, and by customers for their own devices on their own tickets)."""

import datetime
from typing import Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from pydantic import Field

from servicedesk.accounts.models import Group, Organisation, User
from servicedesk.cmdb import actions, visibility
from servicedesk.cmdb.attributes import field_label
from servicedesk.cmdb.impact import DEFAULT_DEPTH, MAX_DEPTH, impact, items_for_ticket, tickets_for_item
from servicedesk.cmdb.models import CiType, ConfigItem, Relation
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.core.pagination import paginate
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.permissions import can_see
from servicedesk.tickets.queries import ticket_reference

from .schemas import Input, Message, Out, Ref

router = Router(tags=["cmdb"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
StatusName = Literal["planned", "in_use", "maintenance", "retired"]
KindName = Literal["runs_on", "depends_on", "connected_to", "part_of"]
CHANNEL = audit.Channel.API


class FieldOut(Out):
    key: str
    label: str
    kind: str
    choices: list[str]
    required: bool


class TypeOut(Out):
    id: int
    key: str
    name: str
    is_service: bool
    fields: list[FieldOut]


class ItemOut(Out):
    id: int
    name: str
    type: Ref
    status: str
    status_label: str
    critical: bool
    owner: Ref | None
    user: Ref | None
    organisation: Ref | None
    location: str
    supplier: str
    contract: str
    serial: str
    attributes: dict
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ItemPage(Out):
    items: list[ItemOut]
    next_cursor: str | None


class ItemFilters(Input):
    q: str | None = Field(None, max_length=200, description="Part of the name or the serial number.")
    type: str | None = Field(None, max_length=50, description="A type's key.")
    status: StatusName | None = None
    mine: bool = Field(False, description="Only the items I use.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ItemIn(Input):
    type: str = Field(..., max_length=50, description="A type's key.")
    name: str = Field(..., max_length=actions.NAME_MAX)
    status: StatusName = "in_use"
    critical: bool = False
    owner: Id | None = Field(None, description="A group's id.")
    user: Id | None = None
    organisation: Id | None = None
    location: str = Field("", max_length=actions.TEXT_MAX)
    supplier: str = Field("", max_length=actions.TEXT_MAX)
    contract: str = Field("", max_length=actions.TEXT_MAX)
    serial: str = Field("", max_length=100)
    attributes: dict = Field({}, description="Values of the type's fields, by key.")


class ItemPatch(Input):
    version: IdOrZero | None = Field(None, description="The version you read: a stale one gets 409.")
    type: str | None = Field(None, max_length=50)
    name: str | None = Field(None, max_length=actions.NAME_MAX)
    status: StatusName | None = None
    critical: bool | None = None
    owner: Id | None = None
    user: Id | None = None
    organisation: Id | None = None
    location: str | None = Field(None, max_length=actions.TEXT_MAX)
    supplier: str | None = Field(None, max_length=actions.TEXT_MAX)
    contract: str | None = Field(None, max_length=actions.TEXT_MAX)
    serial: str | None = Field(None, max_length=100)
    attributes: dict | None = None


class RelationOut(Out):
    id: int
    source: Ref
    target: Ref
    kind: str
    kind_label: str


class RelationIn(Input):
    source: Id
    target: Id
    kind: KindName


class AffectedOut(Out):
    id: int
    name: str
    type: str
    level: int


class ImpactOut(Out):
    item: Ref
    depth: int
    count: int = Field(description="How many items are affected in all.")
    counts: dict[int, int] = Field(description="How many at each level.")
    affected: list[AffectedOut] = Field(description="The nearest ones (at most 1,000), level by level.")
    services: list[Ref]
    people: list[Ref] = Field(description="At most 500; people_count says how many in all.")
    people_count: int
    edges: list[RelationIn] = Field(description="Relations among the item and what is affected (for a graph).")


class TicketRef(Out):
    id: int
    number: str
    title: str
    type: str
    status: str


def _ref(obj, name: str | None = None) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": name if name is not None else str(obj)}


def _type_out(t: CiType) -> dict:
    return {"id": t.pk, "key": t.key, "name": t.local_name, "is_service": t.is_service,
            "fields": [{"key": f["key"], "label": field_label(f), "kind": f.get("kind", "text"),
                        "choices": f.get("choices") or [], "required": bool(f.get("required"))} for f in t.fields]}


def _out(item: ConfigItem) -> dict:
    return {
        "id": item.pk, "name": item.name, "type": _ref(item.type), "status": item.status,
        "status_label": item.get_status_display(), "critical": item.critical, "owner": _ref(item.owner),
        "user": _ref(item.user, item.user.display_name if item.user else None),
        "organisation": _ref(item.organisation), "location": item.location, "supplier": item.supplier,
        "contract": item.contract, "serial": item.serial, "attributes": item.attributes, "version": item.version,
        "created_at": item.created_at, "updated_at": item.updated_at,
    }


def _shown(request):
    return visibility.visible_items(request.user).select_related("type", "owner", "user", "organisation")


def _get(request, item_id: int) -> ConfigItem:
    found = _shown(request).filter(pk=item_id).first()
    if found is None:
        raise NotFound(_("No such configuration item."))
    return found


def _staff(request) -> None:
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff see relations and impact."))


def _one(model, pk, message: str):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ActionError(message)
    return found


def _type(key: str) -> CiType:
    found = CiType.objects.filter(key=key).first()
    if found is None:
        raise ActionError(_("Unknown configuration item type: %(key)s") % {"key": key})
    return found


def _input(payload, fields: set[str]) -> actions.ItemInput:
    plain = {"name", "status", "critical", "location", "supplier", "contract", "serial", "attributes"}
    data = actions.ItemInput(**payload.model_dump(include=plain & fields))
    if "type" in fields and payload.type is not None:
        data.type = _type(payload.type)
    if "owner" in fields:
        data.owner = _one(Group, payload.owner, _("Unknown group."))
    if "user" in fields:
        data.user = _one(User, payload.user, _("Unknown person."))
    if "organisation" in fields:
        data.organisation = _one(Organisation, payload.organisation, _("Unknown organisation."))
    return data


@router.get("/types", response={200: list[TypeOut]}, summary="Configuration item types")
def list_types(request):
    return [_type_out(t) for t in CiType.objects.all()]


@router.get("/items", response={200: ItemPage, 400: Message}, summary="Configuration items")
def list_items(request, filters: Query[ItemFilters]):
    """By name; desk staff see every item, a customer the items they use."""
    qs = _shown(request)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(serial__iexact=filters.q))
    if filters.type:
        qs = qs.filter(type__key=filters.type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.mine:
        qs = qs.filter(user=request.user)
    page = paginate(qs, "name", False, filters.limit, after=filters.cursor)
    return {"items": [_out(i) for i in page.rows], "next_cursor": page.next_cursor}


@router.post("/items", response={201: ItemOut, **ERRORS}, summary="Add a configuration item")
def create_item(request, payload: ItemIn):
    made = actions.create_item(actor=request.user, channel=CHANNEL, data=_input(payload, set(ItemIn.model_fields)))
    return Reply(201, _out(_get(request, made.pk)))


@router.get("/items/{int:item_id}", response={200: ItemOut, 404: Message}, summary="A configuration item")
def read_item(request, item_id: Id):
    return _out(_get(request, item_id))


@router.patch("/items/{int:item_id}", response={200: ItemOut, **ERRORS}, summary="Change a configuration item")
def update_item(request, item_id: Id, payload: ItemPatch):
    """Only the fields sent change (`user: null` clears it)."""
    _get(request, item_id)
    actions.update_item(item_id, actor=request.user, channel=CHANNEL, expected_version=payload.version,
                        data=_input(payload, payload.model_fields_set))
    return _out(_get(request, item_id))


@router.post("/items/{int:item_id}/retire", response={200: ItemOut, **ERRORS}, summary="Retire an item")
def retire_item(request, item_id: Id, version: IdOrZero | None = None):
    _get(request, item_id)
    actions.retire_item(item_id, actor=request.user, channel=CHANNEL, expected_version=version)
    return _out(_get(request, item_id))


def _relation_out(r: Relation) -> dict:
    return {"id": r.pk, "source": _ref(r.source), "target": _ref(r.target), "kind": r.kind,
            "kind_label": r.get_kind_display()}


@router.get("/items/{int:item_id}/relations", response={200: list[RelationOut], 403: Message, 404: Message},
            summary="An item's relations (desk staff)")
def item_relations(request, item_id: Id):
    """Both ways: what the item runs on, depends on… and what runs on, depends on… it."""
    _staff(request)
    item = _get(request, item_id)
    qs = (Relation.objects.filter(Q(source=item) | Q(target=item)).select_related("source", "target")
          .order_by("kind", "id"))
    return [_relation_out(r) for r in qs]


@router.post("/relations", response={201: RelationOut, **ERRORS}, summary="Relate two items")
def add_relation(request, payload: RelationIn):
    """`source` <kind> `target`: app X runs_on server Y; service S depends_on app X."""
    made = actions.add_relation(payload.source, payload.target, payload.kind, actor=request.user, channel=CHANNEL)
    return Reply(201, _relation_out(Relation.objects.select_related("source", "target").get(pk=made.pk)))


@router.delete("/relations/{int:relation_id}", response={204: None, **ERRORS}, summary="Remove a relation")
def remove_relation(request, relation_id: Id):
    actions.remove_relation(relation_id, actor=request.user, channel=CHANNEL)
    return Reply(204, None)


@router.get("/items/{int:item_id}/impact", response={200: ImpactOut, 403: Message, 404: Message},
            summary="If this fails, what is affected (desk staff)")
def item_impact(request, item_id: Id, depth: int = Query(DEFAULT_DEPTH, ge=1, le=MAX_DEPTH)):
    """Everything that runs on, depends on or is part of the item, transitively, by level (cycles end at the
    depth); the services among them; the people who use them."""
    _staff(request)
    found = impact(_get(request, item_id), depth=depth)
    return {
        "item": _ref(found.item), "depth": found.depth, "count": found.count, "counts": found.counts,
        "people_count": found.people_count,
        "affected": [{"id": i.pk, "name": i.name, "type": i.type.key, "level": level}
                     for level in sorted(found.levels) for i in found.levels[level]],
        "services": [_ref(s) for s in found.services],
        "people": [_ref(p, p.display_name) for p in found.people],
        "edges": [{"source": s, "target": t, "kind": k} for s, t, k in found.edges],
    }


def _ticket_out(t: Ticket) -> dict:
    return {"id": t.pk, "number": t.number, "title": t.title, "type": t.type, "status": t.status}


@router.get("/items/{int:item_id}/tickets", response={200: list[TicketRef], 404: Message},
            summary="The tickets linked to an item")
def item_tickets(request, item_id: Id):
    """Those the caller may see, newest first (at most 200)."""
    return [_ticket_out(t) for t in tickets_for_item(_get(request, item_id), user=request.user)[:200]]


def _ticket(request, number: str) -> Ticket:
    lookup = ticket_reference(number)
    found = Ticket.objects.filter(lookup).first() if lookup is not None else None
    if found is None or not can_see(request.user, found):
        raise NotFound(_("Ticket not found."))
    return found


@router.get("/tickets/{number}/items", response={200: list[ItemOut], 404: Message},
            summary="A ticket's configuration items")
def ticket_items(request, number: str):
    ticket = _ticket(request, number)
    shown = set(_shown(request).values_list("pk", flat=True).filter(ticket_links__ticket=ticket))
    return [_out(i) for i in items_for_ticket(ticket) if i.pk in shown]


@router.post("/tickets/{number}/items/{int:item_id}", response={204: None, **ERRORS},
             summary="Link an item to a ticket")
def link_item(request, number: str, item_id: Id):
    actions.link_item(_ticket(request, number), item_id, actor=request.user, channel=CHANNEL)
    return Reply(204, None)


@router.delete("/tickets/{number}/items/{int:item_id}", response={204: None, **ERRORS},
               summary="Unlink an item from a ticket")
def unlink_item(request, number: str, item_id: Id):
    actions.unlink_item(_ticket(request, number), item_id, actor=request.user, channel=CHANNEL)
    return Reply(204, None)
