"""Every change to configuration items, their relations and their links to tickets, one function each
(docs/architecture.md's shape): each runs in one transaction, locks what it changes, checks who may
(cmdb.visibility) and the version the caller loaded, writes, records the audit trail (core.audit; a link also
in the ticket's history) and announces `item_changed` after commit."""

from __future__ import annotations

import dataclasses
import logging
import secrets

from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Group, Organisation, User
from servicedesk.core import audit, rows
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Channel, Level, Ticket, TicketType

from . import visibility
from .attributes import clean_attributes
from .impact import affected_levels
from .models import (
    IMPACT_KINDS,
    CiType,
    ConfigItem,
    GraphVersion,
    ItemStatus,
    Relation,
    RelationChange,
    RelationKind,
    TicketItem,
)

log = logging.getLogger(__name__)

# Sent after commit: item (as saved), actor, event ("created", "updated", "retired", "relation_added",
# "relation_removed", "ticket_linked", "ticket_unlinked").
item_changed = Signal()

NAME_MAX = 200
TEXT_MAX = 200

audit.register_events([
    ("retired", gettext_lazy("retired")),
    ("relation_added", gettext_lazy("relation added")),
    ("relation_removed", gettext_lazy("relation removed")),
    ("ticket_linked", gettext_lazy("ticket linked")),
    ("ticket_unlinked", gettext_lazy("ticket unlinked")),
])

_UNSET = ...


@dataclasses.dataclass
class ItemInput:
    """The fields a caller sets; None leaves a field as it is (on create: its default). The foreign keys
    (owner, user, organisation) take `...` for "leave" and None for "clear"."""

    type: CiType | None = None
    name: str | None = None
    status: str | None = None
    critical: bool | None = None
    owner: Group | None | type(...) = _UNSET
    user: User | None | type(...) = _UNSET
    organisation: Organisation | None | type(...) = _UNSET
    location: str | None = None
    supplier: str | None = None
    contract: str | None = None
    serial: str | None = None
    attributes: dict | None = None


def _announce(item: ConfigItem, actor: User, event: str) -> None:
    def send() -> None:
        log.info("Configuration item %s %s by %s", item.pk, event, actor.username)
        item_changed.send(sender=ConfigItem, item=item, actor=actor, event=event)

    transaction.on_commit(send)


def require_manager(actor: User) -> None:
    if not visibility.may_manage(actor):
        raise NotAllowed(_("Only group leads, desk managers and administrators may change configuration items."))


def lock_item(item: ConfigItem | int, actor: User, expected_version: int | None = None) -> ConfigItem:
    pk = item.pk if isinstance(item, ConfigItem) else item
    # Its relations read with it: the audit snapshot names them (one query, not four).
    found = (ConfigItem.objects.select_for_update(of=("self",)).select_related("type", "owner", "user", "organisation")
             .filter(pk=pk).first())
    if found is None or not (actor.is_system_identity or visibility.can_see_item(actor, found)):
        raise NotFound(_("No such configuration item."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this configuration item since you loaded it (now version %(v)s); "
                         "reload it and make your change again.") % {"v": found.version},
                       current_version=found.version)
    return found


def _text(value: str, label: str, limit: int = TEXT_MAX) -> str:
    value = " ".join(value.split())
    if len(value) > limit:
        raise ActionError(_("%(field)s is too long (at most %(max)s characters).") % {"field": label, "max": limit})
    return value


def _apply(item: ConfigItem, data: ItemInput) -> None:
    if data.type is not None and data.type.pk != item.type_id:
        item.type = data.type
        if data.attributes is None:
            data.attributes = item.attributes
    if data.name is not None:
        name = _text(data.name, _("Name"), NAME_MAX)
        if not name:
            raise ActionError(_("A configuration item needs a name."))
        item.name = name
    if data.status is not None:
        if data.status not in ItemStatus.values:
            raise ActionError(_("Unknown status: %(v)s") % {"v": data.status})
        item.status = data.status
    if data.critical is not None:
        item.critical = data.critical
    if data.owner is not _UNSET:
        item.owner = data.owner
    if data.user is not _UNSET:
        if data.user is not None and not data.user.is_active:
            raise ActionError(_("%(user)s is not an active person.") % {"user": data.user.username})
        item.user = data.user
    if data.organisation is not _UNSET:
        item.organisation = data.organisation
    for name, label in (("location", _("Location")), ("supplier", _("Supplier")), ("contract", _("Contract")),
                        ("serial", _("Serial number"))):
        value = getattr(data, name)
        if value is not None:
            setattr(item, name, _text(value, label, 100 if name == "serial" else TEXT_MAX))
    if data.attributes is not None:
        item.attributes = clean_attributes(item.type, data.attributes)


def build_item(data: ItemInput) -> ConfigItem:
    """A new item from `data`, checked as create_item checks it, not saved (create_item, the import)."""
    if data.type is None:
        raise ActionError(_("A configuration item needs a type."))
    item = ConfigItem(type=data.type)
    if data.attributes is None:
        data.attributes = {}
    if data.name is None:
        raise ActionError(_("A configuration item needs a name."))
    _apply(item, data)
    item.created_at = item.updated_at = timezone.now()
    return item


def change_item(item: ConfigItem, data: ItemInput) -> tuple[dict, dict]:
    """`data` applied to a loaded item as update_item applies it, not saved (update_item, the import): the
    snapshot before and the changes, none when nothing changed (then neither the version moves)."""
    before = audit.snapshot(item)
    _apply(item, data)
    changes = audit.diff(before, audit.snapshot(item, before.keys()))
    if changes:
        item.version += 1
        item.updated_at = timezone.now()
    return before, changes


@transaction.atomic
def create_item(*, actor: User, channel: str, data: ItemInput) -> ConfigItem:
    require_manager(actor)
    item = build_item(data)
    item.save()
    audit.record_created(item, actor=actor, channel=channel)
    _announce(item, actor, "created")
    return item


@transaction.atomic
def update_item(item: ConfigItem | int, *, actor: User, channel: str, data: ItemInput,
                expected_version: int | None = None) -> ConfigItem:
    require_manager(actor)
    item = lock_item(item, actor, expected_version)
    before, changes = change_item(item, data)
    if not changes:
        return item
    item.save()
    audit.record_change(item, before, actor=actor, channel=channel)
    _announce(item, actor, "updated")
    return item


IMPORTED_FIELDS = [f.name for f in ConfigItem._meta.concrete_fields if not f.primary_key and f.name != "created_at"]


@transaction.atomic
def save_imported(created: list[ConfigItem], changed: list[ConfigItem],
                  history: list[tuple[ConfigItem, str, dict]], *, actor: User, channel: str, note: str) -> None:
    """Many items at once, as the import made them with build_item / change_item (changed: locked when
    loaded): inserted in batches and updated one prepared statement each (core.rows); each item's own audit
    entries as create_item / update_item write them, with `note` saying where they came from; each item
    announced after commit. `history`: (item, audit action, changes) in the order the rows made them; an item
    created and changed by two rows appears twice."""
    require_manager(actor)
    rows.insert_many(created)
    # One prepared UPDATE per item: bulk_update's CASE WHEN per field and item cost 3 ms a row to compile.
    for item in changed:
        rows.update(item, IMPORTED_FIELDS)
    audit.record_many(history, actor=actor, channel=channel, note=note)
    for item, action, _changes in history:
        _announce(item, actor, "created" if action == audit.Action.CREATED else "updated")


@transaction.atomic
def retire_item(item: ConfigItem | int, *, actor: User, channel: str,
                expected_version: int | None = None) -> ConfigItem:
    """Out of use for good: kept, with its tickets and relations, for the record; no longer linked to new
    tickets."""
    require_manager(actor)
    item = lock_item(item, actor, expected_version)
    if item.is_retired:
        raise ActionError(_("%(item)s is retired already.") % {"item": item.name})
    item.status, item.version, item.updated_at = ItemStatus.RETIRED, item.version + 1, timezone.now()
    item.save(update_fields=["status", "version", "updated_at"])
    audit.record_event(item, "retired", actor=actor, channel=channel)
    _announce(item, actor, "retired")
    return item


@transaction.atomic
def add_relation(source: ConfigItem | int, target: ConfigItem | int, kind: str, *, actor: User,
                 channel: str) -> Relation:
    """`source` <kind> `target` (app X runs on server Y). Cycles are allowed: the impact walk ends them."""
    require_manager(actor)
    if kind not in RelationKind.values:
        raise ActionError(_("Unknown kind of relation: %(kind)s") % {"kind": kind})
    source, target = lock_item(source, actor), lock_item(target, actor)
    if source.pk == target.pk:
        raise ActionError(_("An item cannot be related to itself."))
    try:
        with transaction.atomic():
            relation = Relation.objects.create(source=source, target=target, kind=kind, created_by=actor)
    except IntegrityError:
        raise ActionError(_("%(source)s is already related to %(target)s that way.")
                          % {"source": source.name, "target": target.name}) from None
    _note_relation(source.pk, target.pk, kind, +1)
    described = f"{kind} {target.name} (#{target.pk})"
    audit.record_event(source, "relation_added", actor=actor, channel=channel, changes={"relation": ("", described)})
    _announce(source, actor, "relation_added")
    return relation


@transaction.atomic
def remove_relation(relation: Relation | int, *, actor: User, channel: str) -> None:
    require_manager(actor)
    pk = relation.pk if isinstance(relation, Relation) else relation
    found = Relation.objects.select_related("source", "target").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such relation."))
    source = lock_item(found.source_id, actor)
    described = f"{found.kind} {found.target.name} (#{found.target_id})"
    found.delete()
    _note_relation(found.source_id, found.target_id, found.kind, -1)
    audit.record_event(source, "relation_removed", actor=actor, channel=channel,
                       changes={"relation": (described, "")})
    _announce(source, actor, "relation_removed")


# The relation log (RelationChange) keeps this many versions; a copy of the graph further behind is built again.
KEEP_VERSIONS = 1_000


def _next_graph_version() -> tuple[int, int]:
    """The impact relations' next version (cmdb.graph), with a new random token: under the version row's lock
    until the transaction ends, so versions commit in the order of their numbers."""
    token = secrets.randbits(62)
    table = GraphVersion._meta.db_table
    with connection.cursor() as cursor:
        # No RETURNING: Django 5.2 runs on SQLite 3.31, which has none (3.35).
        cursor.execute(f"INSERT INTO {table} (id, version, token) VALUES (1, 1, %s) ON CONFLICT (id) DO UPDATE"
                       f" SET version = {table}.version + 1, token = excluded.token", [token])
        cursor.execute(f"SELECT version FROM {table} WHERE id = 1")
        version = cursor.fetchone()[0]
    RelationChange.objects.filter(version__lt=version - KEEP_VERSIONS).delete()
    return version, token


def _note_relation(source: int, target: int, kind: str, change: int) -> None:
    """A relation added (+1) or removed (-1) in this transaction, for the copies of the graph; a kind the walk
    does not follow changes nothing there."""
    if kind in IMPACT_KINDS:
        version, token = _next_graph_version()
        RelationChange.objects.create(version=version, token=token, source=source, target=target, kind=kind,
                                      change=change)


@transaction.atomic
def relations_replaced() -> None:
    """Relation rows were written without these actions (a bulk load): every copy of the graph is built
    again."""
    version, token = _next_graph_version()
    RelationChange.objects.create(version=version, token=token, source=0, target=0, kind="", change=0)


def _ticket_channel(channel: str) -> str:
    return channel if channel in Channel.values else Channel.SYSTEM


def _check_link(ticket: Ticket, item: ConfigItem, actor: User) -> None:
    """Desk staff link any item to a ticket they may change; a customer only their own devices to their own
    tickets."""
    if actor.is_desk_staff and permissions.can_edit_fields(actor, ticket):
        return
    if not actor.is_desk_staff and ticket.requester_id == actor.pk and item.user_id == actor.pk:
        return
    raise NotAllowed(_("You may link only your own devices to your own tickets."))


def _seen(ticket: Ticket | int, item: ConfigItem | int, actor: User) -> tuple[Ticket, ConfigItem]:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = Ticket.objects.filter(pk=pk).first()
    if found is None or not permissions.can_see(actor, found):
        raise NotFound(_("Ticket not found."))
    return found, lock_item(item, actor)


@transaction.atomic
def link_item(ticket: Ticket | int, item: ConfigItem | int, *, actor: User, channel: str) -> TicketItem:
    """The ticket is about this item: shown on both pages, in the ticket's history. An open incident on an item
    that a critical (major) service depends on is raised to high impact, the history saying why."""
    ticket, item = _seen(ticket, item, actor)
    _check_link(ticket, item, actor)
    if item.is_retired:
        raise ActionError(_("%(item)s is retired: it cannot be linked to tickets.") % {"item": item.name})
    try:
        with transaction.atomic():
            link = TicketItem.objects.create(ticket=ticket, item=item, created_by=actor)
    except IntegrityError:
        raise ActionError(_("%(item)s is linked to %(number)s already.")
                          % {"item": item.name, "number": ticket.number}) from None
    ticket_actions.record_event(ticket, actor=actor, event="item_linked", channel=_ticket_channel(channel),
                                field="configuration_item", new=item.name, requester_may=True)
    audit.record_event(item, "ticket_linked", actor=actor, channel=channel, changes={"ticket": ("", ticket.number)})
    _raise_impact(ticket, item, channel)
    _announce(item, actor, "ticket_linked")
    return link


@transaction.atomic
def unlink_item(ticket: Ticket | int, item: ConfigItem | int, *, actor: User, channel: str) -> None:
    ticket, item = _seen(ticket, item, actor)
    _check_link(ticket, item, actor)
    deleted, _rows = TicketItem.objects.filter(ticket=ticket, item=item).delete()
    if not deleted:
        raise NotFound(_("%(item)s is not linked to %(number)s.") % {"item": item.name, "number": ticket.number})
    ticket_actions.record_event(ticket, actor=actor, event="item_unlinked", channel=_ticket_channel(channel),
                                field="configuration_item", old=item.name, requester_may=True)
    audit.record_event(item, "ticket_unlinked", actor=actor, channel=channel, changes={"ticket": (ticket.number, "")})
    _announce(item, actor, "ticket_unlinked")


def major_services_on(item: ConfigItem) -> list[ConfigItem]:
    """The critical items (major services) that fail when `item` does: itself, or anything that depends on it
    within the impact walk's depth."""
    ids = [item.pk, *affected_levels(item.pk)]
    return list(ConfigItem.objects.filter(pk__in=ids, critical=True).exclude(status=ItemStatus.RETIRED)
                .order_by("name", "id"))


def _raise_impact(ticket: Ticket, item: ConfigItem, channel: str) -> None:
    if ticket.type != TicketType.INCIDENT or not ticket.is_open:
        return
    ticket.refresh_from_db(fields=["impact", "version"])
    if ticket.impact == Level.HIGH:
        return
    services = major_services_on(item)
    if not services:
        return
    names = ", ".join(s.name for s in services[:3])
    # Said once, in the desk's language: everyone reading the history reads the desk's words.
    with translation.override(ticket.desk.language):
        if services[0].pk == item.pk:
            note = _("impact raised: %(item)s is a major service") % {"item": item.name}
        else:
            note = _("impact raised: the major service %(services)s depends on %(item)s") % {
                "services": names, "item": item.name}
    ticket_actions.set_priority(ticket.pk, actor=system_user(), impact=Level.HIGH, channel=_ticket_channel(channel),
                                note=note[:500])
