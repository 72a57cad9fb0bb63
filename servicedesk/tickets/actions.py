"""Every change to a ticket goes through these functions.

Each one runs in one transaction: it locks the ticket row, checks the actor's permission and the
expected version, changes the record, bumps the version, appends the history, and announces the
change with `ticket_changed` only once the transaction has committed. Screens, the API, the mail
ingester, commands and background tasks all call these; nothing else writes tickets.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from servicedesk.accounts import actions as account_actions
from servicedesk.accounts.models import Desk, Group, User
from servicedesk.core import refdata as core_refdata
from servicedesk.core import rows
from servicedesk.core.downloads import content_type_for
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound, TooLarge  # noqa: F401 (re-exported)

from . import permissions, refdata
from .models import (
    Attachment,
    Category,
    Channel,
    Comment,
    HistoryEntry,
    LinkKind,
    PendingReason,
    Priority,
    Status,
    Ticket,
    TicketLink,
    TicketType,
    TimeEntry,
    Transition,
)
from .numbers import format_number

# Sent after commit, once per action: ticket, actor, event, changes ({field: (old, new)}).
# actor is the system identity (accounts.identity) when the desk made the change (routing rules, auto-assignment).
ticket_changed = Signal()

# Hooks for servicedesk.routing, sent inside the action's transaction (unlike ticket_changed):
# - ticket_created(ticket, actor, given): a ticket was just recorded. Receivers may change it through these
#   actions (as the system identity) and must leave the instance they got current. `given` names the
#   routing fields the creator chose (group, assignee, category, impact, urgency, priority).
# - assignee_wanted(ticket, group): the ticket is being routed to a group without a person. A receiver may
#   answer (person or None, note): the person is assigned; the note says how they were chosen, or why nobody.
ticket_created = Signal()
assignee_wanted = Signal()


def choose_group_message() -> str:
    return _("Choose a group: a ticket is always assigned to a group, optionally to a person in it.")


# ---------------------------------------------------------------------------------------------
# Classification


def priority_for(impact: int, urgency: int) -> int:
    """The priority the configured matrix gives; the ITIL default where a cell is not configured
    (cached, current with the last committed change: tickets.refdata)."""
    return int(refdata.priority_matrix(fresh=True)[(impact, urgency)])


# ---------------------------------------------------------------------------------------------
# Limits


def check_description(text: str) -> None:
    limit = settings.SERVICEDESK_DESCRIPTION_MAX_CHARS
    if len(text or "") > limit:
        raise ActionError(_("The description is too long (%(length)s characters); it can have at most %(limit)s "
                         "characters.") % {"length": len(text), "limit": limit})


def check_comment(text: str) -> None:
    limit = settings.SERVICEDESK_COMMENT_MAX_CHARS
    if len(text or "") > limit:
        raise ActionError(_("The text is too long (%(length)s characters); a reply or note can have at most "
                         "%(limit)s characters.") % {"length": len(text), "limit": limit})


def attachment_room(ticket: Ticket | None) -> int:
    """How many more files the ticket (None: a new one) may take in one message."""
    per_message = settings.SERVICEDESK_ATTACHMENTS_PER_MESSAGE
    if ticket is None or ticket.pk is None:
        return min(per_message, settings.SERVICEDESK_ATTACHMENTS_PER_TICKET)
    existing = Attachment.objects.filter(ticket=ticket).count()
    return max(0, min(per_message, settings.SERVICEDESK_ATTACHMENTS_PER_TICKET - existing))


def _check_attachment_count(ticket: Ticket | None, count: int) -> None:
    if not count:
        return
    per_message = settings.SERVICEDESK_ATTACHMENTS_PER_MESSAGE
    if count > per_message:
        raise ActionError(_("Too many files: %(count)s; one message can carry at most %(limit)s.")
                          % {"count": count, "limit": per_message})
    if count > attachment_room(ticket):
        raise ActionError(_("This ticket cannot take %(count)s more files: a ticket can have at most %(limit)s.")
                          % {"count": count, "limit": settings.SERVICEDESK_ATTACHMENTS_PER_TICKET})


# ---------------------------------------------------------------------------------------------
# Internal helpers


@dataclass
class _Change:
    """Collects what one action changes, then writes it all at once."""

    ticket: Ticket
    actor: User | None
    channel: str
    event: str
    # Looked up at each change (not bound once at import), so a clock set for the whole process —
    # the demo's, which dates its tickets over past weeks — applies here too.
    now: datetime.datetime = field(default_factory=lambda: timezone.now())
    fields: dict[str, tuple[object, object]] = field(default_factory=dict)
    entries: list[HistoryEntry] = field(default_factory=list)
    note: str = ""  # why the whole change was made (e.g. the routing rule); prefixed to every entry's note

    def set(self, name: str, value, note: str = "") -> None:
        old = getattr(self.ticket, name)
        if old == value:
            return
        setattr(self.ticket, name, value)
        self.fields[name] = (old, value)
        self.log(self.event, field=name, old=_display(self.ticket, name, old), new=_display(self.ticket, name, value),
                 note=note)

    def log(self, event: str, *, field: str = "", old: str = "", new: str = "", note: str = "",
            internal: bool = False) -> None:
        note = "; ".join(part for part in (self.note, note) if part)
        self.entries.append(HistoryEntry(
            ticket=self.ticket, actor=self.actor, at=self.now, channel=self.channel, event=event,
            field=field, old_value=old, new_value=new, note=note[:500], internal=internal,
        ))

    def save(self) -> Ticket:
        ticket = self.ticket
        ticket.version += 1
        ticket.updated_at = self.now
        names = sorted({name.removesuffix("_id") for name in self.fields} | {"version", "updated_at"})
        rows.update(ticket, names)
        for entry in self.entries:
            entry.version = ticket.version
        rows.insert_many(self.entries)
        changes = dict(self.fields)
        actor, event = self.actor, self.event
        transaction.on_commit(
            lambda: ticket_changed.send(sender=Ticket, ticket=ticket, actor=actor, event=event, changes=changes)
        )
        return ticket


def _display(ticket: Ticket, name: str, value) -> str:
    """History keeps values as people read them: names for people and groups, codes for choices."""
    if value is None:
        return ""
    if isinstance(value, User):
        return value.username
    if isinstance(value, Group):
        return value.name  # the stable English name; the timeline shows it in the reader's language
    if isinstance(value, Category | Ticket):
        return str(value.number if isinstance(value, Ticket) else value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def lock_ticket(ticket: Ticket | int, actor: User, expected_version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock (held until the caller's transaction ends), check it is visible
    and not changed since the caller read it (`Conflict`, with the changes since). Every action, and any
    other code that must hold a ticket still (routing), locks it here: one lock, one conflict answer.
    The system identity (routing rules) sees every ticket."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    locked = next(iter(rows.select(Ticket, f"{connection.ops.quote_name('id')} = %s", [pk], for_update=True)), None)
    if locked is None or (not actor.is_system_identity and not permissions.can_see(actor, locked)):
        raise NotFound(_("Ticket not found."))
    if expected_version is not None and expected_version != locked.version:
        since = HistoryEntry.objects.filter(ticket=locked, version__gt=expected_version)
        if not permissions.sees_internal(actor):
            since = since.filter(internal=False)
        changed = list(since.select_related("actor").order_by("at", "id")[:50])
        if not actor.is_system_identity:
            permissions.hide_unseen_references(actor, changed)
        raise Conflict(
            _("Someone else changed this ticket since you loaded it (your version %(yours)s, now %(now)s). "
              "Nothing of yours was saved: look at their changes, then try again.")
            % {"yours": expected_version, "now": locked.version},
            current_version=locked.version,
            changes=[
                {"field": e.field or e.event, "old": e.old_value, "new": e.new_value,
                 "actor": e.actor.username if e.actor else None, "at": e.at.isoformat()}
                for e in changed
            ],
        )
    return locked


def _require_staff(actor: User) -> None:
    if not actor.is_desk_staff:
        raise NotAllowed(_("Only desk staff may do this."))


def _check_group_and_assignee(group: Group | None, assignee: User | None) -> None:
    if group is not None and not group.is_active:
        raise ActionError(_("The group %(group)s is not active.") % {"group": group.local_name})
    if assignee is not None:
        if not assignee.is_desk_staff or not assignee.is_active:
            raise ActionError(_("%(user)s cannot be assigned tickets.") % {"user": assignee.username})
        if group is None:
            raise ActionError(choose_group_message())
        if not Group.objects.filter(pk=group.pk, members=assignee).exists() and group.lead_id != assignee.pk:
            raise ActionError(
                _("%(user)s is not a member of %(group)s.") % {"user": assignee.username, "group": group.local_name}
            )


def _next_number(desk: Desk) -> str:
    # The UPDATE takes the desk row's lock until commit, so two creations never share a number; it
    # returns the new counter in the same statement (PostgreSQL and SQLite ≥ 3.35 know RETURNING).
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Desk._meta.db_table)} SET {quote('next_number')} = {quote('next_number')} + 1 "
            f"WHERE {quote('id')} = %s RETURNING {quote('next_number')}",
            [desk.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise Desk.DoesNotExist(f"Desk {desk.pk} does not exist.")
    issued = int(row[0]) - 1
    return format_number(desk.prefix, issued)


def _is_person(actor: User) -> bool:
    """A person of the desk staff, not the desk's system identity."""
    return actor.is_desk_staff and not actor.is_system_identity


def _first_line_group(actor: User) -> Group | None:
    return Group.objects.filter(members=actor, is_active=True).order_by("tier", "name").first()


# ---------------------------------------------------------------------------------------------
# Creating


@transaction.atomic
# One read of the reference data's version for the matrix, the desk and the routing rules, not one each.
@core_refdata.one_version()
def create_ticket(
    *,
    actor: User,
    title: str,
    description: str = "",
    type: str = TicketType.INCIDENT,
    channel: str = Channel.API,
    requester: User | None = None,
    category: Category | None = None,
    impact: int | None = None,
    urgency: int | None = None,
    priority: int | None = None,
    group: Group | None = None,
    assignee: User | None = None,
    desk: Desk | None = None,
    watchers: Iterable[User] = (),
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """Record a new ticket. A customer files for themselves; desk staff may file for anyone and
    become the ticket's owner (who takes the contact follows it to the end). `attachments` are
    stored with it, in its first version (as `add_attachment` would, one version each)."""
    title = (title or "").strip()
    if not title:
        raise ActionError(_("A ticket needs a title."))
    if type not in TicketType.values:
        raise ActionError(_("Unknown ticket type: %(type)s") % {"type": type})
    requester = requester or actor
    if actor.is_customer:
        if requester.pk != actor.pk:
            raise NotAllowed(_("Customers can only open tickets for themselves."))
        if priority is not None or group is not None or assignee is not None:
            raise NotAllowed(_("Only desk staff may set the priority or the assignment."))
    if not requester.is_active:
        raise ActionError(_("The requester's account is disabled."))
    if category is not None and not category.is_active:
        raise ActionError(_("The category %(category)s is not available.") % {"category": category})
    check_description(description)
    _check_attachment_count(None, len(attachments))
    given = frozenset(name for name, value in (("group", group), ("assignee", assignee), ("category", category),
                      ("impact", impact), ("urgency", urgency), ("priority", priority)) if value is not None)
    impact = 2 if impact is None else impact
    urgency = 2 if urgency is None else urgency
    if impact not in (1, 2, 3) or urgency not in (1, 2, 3):
        raise ActionError(_("Impact and urgency are 1 (high), 2 (medium) or 3 (low)."))
    matrix_priority = priority_for(impact, urgency)
    if priority is not None and priority not in Priority.values:
        raise ActionError(_("Priority is 1 (critical) to 5 (planning)."))
    if group is None and category is not None and category.default_group_id and actor.is_desk_staff:
        group = category.default_group
    _check_group_and_assignee(group, assignee)

    desk = desk or account_actions.default_desk()
    now = timezone.now()
    ticket = Ticket(
        desk=desk,
        number=_next_number(desk),
        type=type,
        title=title[:255],
        description=description or "",
        status=Status.NEW,
        impact=impact,
        urgency=urgency,
        priority=priority if priority is not None else matrix_priority,
        priority_overridden=priority is not None and priority != matrix_priority,
        requester=requester,
        organisation_id=requester.organisation_id,
        channel=channel,
        owner=actor if _is_person(actor) else None,  # the system identity never owns
        category=category,
        created_at=now,
        updated_at=now,
        version=1,
    )
    if group is not None:
        ticket.group = group
        ticket.assignee = assignee
        ticket.status = Status.ASSIGNED
        ticket.acknowledged_at = now
    watchers = [w for w in watchers if w.pk != requester.pk]
    _check_watchers(actor, ticket, watchers)
    rows.insert(ticket)
    entries = [HistoryEntry(ticket=ticket, actor=actor, at=now, channel=channel, event="created",
                            new_value=ticket.number, version=1)]
    if ticket.priority_overridden:
        entries.append(HistoryEntry(
            ticket=ticket, actor=actor, at=now, channel=channel, event="priority_override", field="priority",
            old_value=str(matrix_priority), new_value=str(ticket.priority),
            note=f"impact {impact} × urgency {urgency} gives {matrix_priority}", version=1,
        ))
    if group is not None:
        entries.append(HistoryEntry(ticket=ticket, actor=actor, at=now, channel=channel, event="assigned",
                                    field="group", new_value=group.name, version=1))
        if assignee is not None:
            entries.append(HistoryEntry(ticket=ticket, actor=actor, at=now, channel=channel, event="assigned",
                                        field="assignee", new_value=assignee.username, version=1))
    if attachments:
        change = _Change(ticket, actor, channel, "attachment_added", now=now)
        for upload in attachments:
            _store_attachment(change, upload, internal=False)
        for entry in change.entries:
            entry.version = 1
        entries += change.entries
    rows.insert_many(entries)
    if watchers:
        ticket.watchers.add(*watchers)
    transaction.on_commit(
        lambda: ticket_changed.send(sender=Ticket, ticket=ticket, actor=actor, event="created", changes={})
    )
    # Routing rules and auto-assignment (servicedesk.routing) route the new ticket here, in this transaction.
    ticket_created.send(sender=Ticket, ticket=ticket, actor=actor, given=given)
    return ticket


# ---------------------------------------------------------------------------------------------
# Changing fields


EDITABLE_FIELDS = ("title", "description", "type", "category", "impact", "urgency", "priority", "owner")


@transaction.atomic
def update_ticket(
    ticket: Ticket | int,
    *,
    actor: User | None,
    channel: str = Channel.API,
    expected_version: int | None = None,
    changes: dict,
    note: str = "",
) -> Ticket:
    """Change classification, text or routing. `changes` holds only the fields to change
    (title, description, type, category, impact, urgency, priority, owner, group, assignee).
    The system identity (a routing rule) is not checked; `note` says why, in the history."""
    ticket = lock_ticket(ticket, actor, expected_version)
    if not actor.is_system_identity and not permissions.can_edit_fields(actor, ticket):
        raise NotAllowed(_("Only desk staff may change a ticket's fields."))
    if ticket.status == Status.CLOSED:
        raise ActionError(_("A closed ticket cannot be changed; reopen it first."))
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"group", "assignee"}
    if unknown:
        raise ActionError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    change = _Change(ticket, actor, channel, "updated", note=note)
    if "title" in changes:
        title = (changes["title"] or "").strip()
        if not title:
            raise ActionError(_("A ticket needs a title."))
        change.set("title", title[:255])
    if "description" in changes:
        check_description(changes["description"])
        change.set("description", changes["description"] or "")
    if "type" in changes:
        if changes["type"] not in TicketType.values:
            raise ActionError(_("Unknown ticket type: %(type)s") % {"type": changes["type"]})
        change.set("type", changes["type"])
    if "category" in changes:
        category = changes["category"]
        if category is not None and not category.is_active:
            raise ActionError(_("The category %(category)s is not available.") % {"category": category})
        change.set("category", category)
    if "owner" in changes:
        owner = changes["owner"]
        if owner is None or not _is_person(owner):
            raise ActionError(_("The owner must be a member of the desk staff."))
        change.set("owner", owner)
        if ticket.acknowledged_at is None and ticket.status != Status.NEW and _is_person(actor):
            # Taking ownership of a ticket a rule routed is the desk's acknowledgement of it.
            change.set("acknowledged_at", change.now)
    if {"impact", "urgency", "priority"} & set(changes):
        _classify(change, changes.get("impact"), changes.get("urgency"), changes.get("priority"))
    if "group" in changes or "assignee" in changes:
        group = changes["group"] if "group" in changes else ticket.group
        assignee = changes.get("assignee") if ("assignee" in changes or "group" not in changes) else None
        if "group" in changes and "assignee" not in changes and ticket.assignee_id and group is not None:
            # Re-routing to a group keeps the person only if they belong to the new group.
            keep = group.members.filter(pk=ticket.assignee_id).exists()
            assignee = ticket.assignee if keep else None
        _route(change, group, assignee)
    if not change.fields:
        return ticket
    return change.save()


def _classify(change: _Change, impact: int | None, urgency: int | None, priority: int | None) -> None:
    ticket = change.ticket
    impact = impact if impact is not None else ticket.impact
    urgency = urgency if urgency is not None else ticket.urgency
    if impact not in (1, 2, 3) or urgency not in (1, 2, 3):
        raise ActionError(_("Impact and urgency are 1 (high), 2 (medium) or 3 (low)."))
    if priority is not None and priority not in Priority.values:
        raise ActionError(_("Priority is 1 (critical) to 5 (planning)."))
    matrix_priority = priority_for(impact, urgency)
    change.set("impact", impact)
    change.set("urgency", urgency)
    if priority is None:
        change.set("priority", matrix_priority)
        change.set("priority_overridden", False)
    else:
        change.set("priority", priority, note="" if priority == matrix_priority else
                   f"override: impact {impact} × urgency {urgency} gives {matrix_priority}")
        change.set("priority_overridden", priority != matrix_priority)


def _route(change: _Change, group: Group | None, assignee: User | None) -> None:
    """Assignment is always a group, optionally a person of it; routing moves the ticket to `assigned`."""
    ticket = change.ticket
    if group is None:
        raise ActionError(choose_group_message())
    _check_group_and_assignee(group, assignee)
    assign = _transitions().get("assign")
    if assign is None or ticket.status not in assign.from_statuses:
        raise ActionError(
            _("A ticket that is %(status)s cannot be routed.") % {"status": Status(ticket.status).label}
        )
    if not change.actor.is_system_identity and not _may_take(assign, change.actor, ticket):
        raise NotAllowed(_("You may not route this ticket."))
    change.event = "assigned"
    rerouted = group.pk != ticket.group_id
    why = ""
    if assignee is None and rerouted:
        # Auto-assignment inside the group (servicedesk.routing) may name a person.
        for _receiver, answer in assignee_wanted.send(sender=Ticket, ticket=ticket, group=group):
            if answer:
                assignee, why = answer
                break
    change.set("group", group)
    change.set("assignee", assignee, note=why)
    if assignee is None and why:
        change.log("auto_assignment", note=why, internal=True)
    # Routed by a person of the desk: they own it and have acknowledged it. Routed by a rule or a robot:
    # nobody has, and it waits in the 1st line's "Unowned" queue until someone takes ownership.
    if _is_person(change.actor):
        if ticket.owner_id is None:
            change.set("owner", change.actor)
        if ticket.acknowledged_at is None:
            change.set("acknowledged_at", change.now)
    if rerouted or ticket.status in (Status.NEW, Status.ACKNOWLEDGED):
        change.set("status", Status.ASSIGNED)
        change.set("pending_reason", "")


def assign(ticket: Ticket | int, *, actor: User | None, group: Group, assignee: User | None = None,
           channel: str = Channel.API, expected_version: int | None = None, note: str = "") -> Ticket:
    return update_ticket(ticket, actor=actor, channel=channel, expected_version=expected_version,
                         changes={"group": group, "assignee": assignee}, note=note)


def set_priority(ticket: Ticket | int, *, actor: User | None, impact: int | None = None, urgency: int | None = None,
                 priority: int | None = None, channel: str = Channel.API,
                 expected_version: int | None = None, note: str = "") -> Ticket:
    changes = {k: v for k, v in (("impact", impact), ("urgency", urgency), ("priority", priority)) if v is not None}
    return update_ticket(ticket, actor=actor, channel=channel, expected_version=expected_version, changes=changes,
                         note=note)


@transaction.atomic
def record_event(ticket: Ticket | int, *, actor: User | None, event: str, channel: str = Channel.SYSTEM,
                 field: str = "", old: str = "", new: str = "", note: str = "", internal: bool = False,
                 requester_may: bool = False) -> Ticket:
    """Record something that happened to a ticket without changing its fields (a tag a routing rule added,
    why auto-assignment found nobody): one history line and a new version. `requester_may`: the calling
    domain lets the requester record it too (a customer linking their own device, checked there)."""
    ticket = lock_ticket(ticket, actor, None)
    if (not actor.is_system_identity and not permissions.can_edit_fields(actor, ticket)
            and not (requester_may and ticket.requester_id == actor.pk)):
        raise NotAllowed(_("Only desk staff may change a ticket's fields."))
    change = _Change(ticket, actor, channel, event)
    change.log(event, field=field, old=old, new=new, note=note, internal=internal)
    return change.save()


# ---------------------------------------------------------------------------------------------
# Lifecycle


def transition_label(t: Transition) -> str:
    """A transition's label in the active language."""
    if (get_language() or "").startswith("zh") and t.label_zh:
        return t.label_zh
    return t.label


def _transitions() -> dict[str, Transition]:
    return {t.action: t for t in Transition.objects.all()}


def _may_take(transition: Transition, user: User, ticket: Ticket) -> bool:
    if user.role in transition.roles:
        return True
    return transition.requester_may and ticket.requester_id == user.pk


def _reopen_window_open(ticket: Ticket, now: datetime.datetime) -> bool:
    if ticket.status != Status.CLOSED:
        return True
    days = settings.SERVICEDESK_REOPEN_WINDOW_DAYS
    return ticket.closed_at is not None and now - ticket.closed_at <= datetime.timedelta(days=days)


def available_actions(ticket: Ticket, user: User, transitions: Sequence[Transition] | None = None) -> list[str]:
    """The transitions `user` may take on `ticket` now (the ticket is assumed visible to them)."""
    transitions = transitions if transitions is not None else list(_transitions().values())
    now = timezone.now()
    names = []
    for t in transitions:
        if ticket.status not in t.from_statuses or not _may_take(t, user, ticket):
            continue
        if t.action == "reopen" and not _reopen_window_open(ticket, now):
            continue
        if ticket.merged_into_id and t.action == "reopen":
            continue
        names.append(t.action)
    return names


@transaction.atomic
def transition(
    ticket: Ticket | int,
    action: str,
    *,
    actor: User,
    channel: str = Channel.API,
    expected_version: int | None = None,
    comment: str = "",
    internal: bool = False,
    pending_reason: str | None = None,
    group: Group | None = None,
    assignee: User | None = None,
    attachments: Sequence[UploadedFile] = (),
    note: str = "",
) -> Ticket:
    """Take a lifecycle action (acknowledge, assign, start, pend, resume, resolve, confirm, reopen, close).
    `comment` is written with it (the resolution, for a transition to resolved: required, whoever
    resolves, through every channel), `attachments` with the comment; `note` says in the history why the
    desk took it by itself (e.g. closed without confirmation)."""
    ticket = lock_ticket(ticket, actor, expected_version)
    t = _transitions().get(action)
    if t is None:
        raise ActionError(_("Unknown action: %(action)s") % {"action": action})
    if action == "assign":
        if group is None:
            raise ActionError(choose_group_message())
        change = _Change(ticket, actor, channel, "assigned")
        _route(change, group, assignee)
        _comment_with_action(change, comment, internal)
        return change.save()
    if ticket.status not in t.from_statuses:
        raise ActionError(
            _("“%(action)s” is not possible on a ticket that is %(status)s.")
            % {"action": transition_label(t), "status": Status(ticket.status).label.lower()},
            allowed=available_actions(ticket, actor),
        )
    if not _may_take(t, actor, ticket):
        raise NotAllowed(_("You may not take “%(action)s” on this ticket.") % {"action": transition_label(t)})
    if t.to_status == Status.RESOLVED and not (comment or "").strip():
        raise ActionError(_("Describe the resolution: the customer is asked to confirm it."))
    _check_attachment_count(ticket, len(attachments))
    change = _Change(ticket, actor, channel, action, note=note)
    if action == "reopen":
        if not _reopen_window_open(ticket, change.now):
            raise ActionError(
                _("This ticket was closed more than %(days)s days ago; open a new one instead.")
                % {"days": settings.SERVICEDESK_REOPEN_WINDOW_DAYS}
            )
        if ticket.merged_into_id:
            raise ActionError(_("This ticket was merged into %(number)s.") % {"number": ticket.merged_into.number})
    to_status = t.to_status
    if to_status == Status.ASSIGNED and ticket.group_id is None:
        to_status = Status.ACKNOWLEDGED
    if to_status == Status.PENDING:
        reason = pending_reason or PendingReason.CUSTOMER
        if reason not in PendingReason.values:
            raise ActionError(_("Unknown pending reason: %(reason)s") % {"reason": reason})
        change.set("pending_reason", reason)
    else:
        change.set("pending_reason", "")
    change.set("status", to_status)
    if to_status == Status.IN_PROGRESS and ticket.group_id is None and actor.is_desk_staff:
        # A 1st-line agent working a ticket themselves: it is assigned to their own group.
        own_group = _first_line_group(actor)
        if own_group is not None:
            change.set("group", own_group)
    if to_status == Status.IN_PROGRESS and ticket.assignee_id is None and actor.is_desk_staff:
        if ticket.group_id is None or ticket.group_id in permissions.group_ids(actor):
            change.set("assignee", actor)
    if _is_person(actor) and ticket.owner_id is None:
        change.set("owner", actor)
    if ticket.acknowledged_at is None and to_status != Status.NEW:
        change.set("acknowledged_at", change.now)
    if to_status == Status.RESOLVED:
        change.set("resolved_at", change.now)
        change.set("closed_at", None)
    elif to_status == Status.CLOSED:
        change.set("closed_at", change.now)
        if ticket.resolved_at is None:
            change.set("resolved_at", change.now)
    elif action == "reopen":
        change.set("resolved_at", None)
        change.set("closed_at", None)
    _comment_with_action(change, comment, internal, attachments)
    return change.save()


def _comment_with_action(change: _Change, body: str, internal: bool,
                         attachments: Sequence[UploadedFile] = ()) -> None:
    if body and body.strip():
        comment = _write_comment(change, body.strip(), internal)
        for upload in attachments:
            _store_attachment(change, upload, internal=internal, comment=comment)


# ---------------------------------------------------------------------------------------------
# Conversation


def _write_comment(change: _Change, body: str, internal: bool) -> Comment:
    ticket, actor = change.ticket, change.actor
    if internal and not permissions.sees_internal(actor):
        raise NotAllowed(_("Only desk staff may write internal notes."))
    check_comment(body)
    comment = rows.insert(Comment(
        ticket=ticket, author=actor, body=body, internal=internal, channel=change.channel, created_at=change.now
    ))
    change.log("internal_note" if internal else "public_reply", note=body[:200], internal=internal,
               new=str(comment.pk))
    if not internal and actor.is_desk_staff and actor.pk != ticket.requester_id and ticket.first_response_at is None:
        change.set("first_response_at", change.now)
    return comment


@transaction.atomic
def add_comment(
    ticket: Ticket | int,
    *,
    actor: User,
    body: str,
    internal: bool = False,
    channel: str = Channel.API,
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
) -> Comment:
    """A public reply or an internal note. A customer's reply to a ticket pending on them resumes it."""
    ticket = lock_ticket(ticket, actor, expected_version)
    body = (body or "").strip()
    if not body and not attachments:
        raise ActionError(_("Write something or attach a file."))
    if ticket.status == Status.CLOSED and not actor.is_desk_staff:
        raise ActionError(_("This ticket is closed. Reopen it or open a new ticket."))
    _check_attachment_count(ticket, len(attachments))
    change = _Change(ticket, actor, channel, "internal_note" if internal else "public_reply")
    comment = _write_comment(change, body or _("(attachment)"), internal)
    for upload in attachments:
        _store_attachment(change, upload, internal=internal, comment=comment)
    resumes = (
        not internal
        and ticket.status == Status.PENDING
        and ticket.pending_reason == PendingReason.CUSTOMER
        and actor.pk == ticket.requester_id
    )
    if resumes:
        change.set("status", Status.IN_PROGRESS, note="the requester replied")
        change.set("pending_reason", "")
    change.save()
    return comment


def attachment_too_large(name: str, size: int | None) -> str | None:
    """The refusal of a file over the desk's attachment limit, in sizes people read (MB), or None if it fits.

    The portal's form and every action path (console, API, mail) say it in the same words.
    """
    limit = settings.SERVICEDESK_ATTACHMENT_MAX_BYTES
    if size is not None and size <= limit:
        return None
    return _("%(name)s is too large (%(size)s); files can be at most %(limit)s.") % {
        "name": name, "size": filesizeformat(size or 0), "limit": filesizeformat(limit),
    }


def _store_attachment(change: _Change, upload: UploadedFile, *, internal: bool,
                      comment: Comment | None = None) -> Attachment:
    refusal = attachment_too_large(upload.name, upload.size)
    if refusal:
        # Also a core.uploads.RefusedUpload: refused while it streamed in, with its size as seen.
        raise TooLarge(refusal)
    if internal and not permissions.sees_internal(change.actor):
        raise NotAllowed(_("Only desk staff may add internal attachments."))
    filename = os.path.basename(upload.name or "attachment")[:255] or "attachment"
    attachment = Attachment(
        ticket=change.ticket, comment=comment, filename=filename,
        content_type=content_type_for(filename),
        size=upload.size, internal=internal, uploaded_by=change.actor, created_at=change.now,
    )
    attachment.file.save(filename, upload, save=False)
    rows.insert(attachment)
    change.log("attachment_added", new=filename, internal=internal)
    return attachment


@transaction.atomic
def add_attachment(ticket: Ticket | int, *, actor: User, upload: UploadedFile, internal: bool = False,
                   channel: str = Channel.API, expected_version: int | None = None) -> Attachment:
    ticket = lock_ticket(ticket, actor, expected_version)
    if ticket.status == Status.CLOSED and not actor.is_desk_staff:
        raise ActionError(_("This ticket is closed. Reopen it or open a new ticket."))
    _check_attachment_count(ticket, 1)
    change = _Change(ticket, actor, channel, "attachment_added")
    attachment = _store_attachment(change, upload, internal=internal)
    change.save()
    return attachment


# ---------------------------------------------------------------------------------------------
# Links and merge


@transaction.atomic
def link(ticket: Ticket | int, target: Ticket | int, kind: str, *, actor: User,
         channel: str = Channel.API, expected_version: int | None = None) -> TicketLink:
    """`ticket` is <kind> `target`: a child of its parent, related to, a duplicate of, caused by a problem.
    `expected_version` is `ticket`'s (the one whose page or endpoint links)."""
    _require_staff(actor)
    if kind not in LinkKind.values:
        raise ActionError(_("Unknown link kind: %(kind)s") % {"kind": kind})
    source = lock_ticket(ticket, actor, expected_version)
    target = lock_ticket(target, actor, None)
    if source.pk == target.pk:
        raise ActionError(_("A ticket cannot be linked to itself."))
    if kind == LinkKind.CAUSED_BY and target.type != TicketType.PROBLEM:
        raise ActionError(_("Only a problem can be the cause of a ticket."))
    if kind == LinkKind.CHILD_OF and _is_ancestor(source, target):
        raise ActionError(_("%(a)s is already above %(b)s: the link would make a loop.")
                          % {"a": source.number, "b": target.number})
    if kind == LinkKind.CHILD_OF and TicketLink.objects.filter(source=source, kind=LinkKind.CHILD_OF).exists():
        raise ActionError(_("%(number)s already has a parent.") % {"number": source.number})
    try:
        with transaction.atomic():
            created = TicketLink.objects.create(source=source, target=target, kind=kind, created_by=actor)
    except IntegrityError:
        raise ActionError(_("These tickets are already linked that way.")) from None
    for this, other, event in ((source, target, "linked"), (target, source, "linked_from")):
        change = _Change(this, actor, channel, event)
        change.log(event, field="link", new=f"{kind} {other.number}")
        change.save()
    return created


def _is_ancestor(ticket: Ticket, candidate: Ticket) -> bool:
    """Whether `ticket` is above `candidate` in the parent/child tree (so `ticket` may not become its child)."""
    seen: set[int] = set()
    current = candidate.pk
    while current is not None and current not in seen:
        if current == ticket.pk:
            return True
        seen.add(current)
        current = (
            TicketLink.objects.filter(source_id=current, kind=LinkKind.CHILD_OF).values_list("target_id", flat=True)
            .first()
        )
    return False


@transaction.atomic
def unlink(ticket: Ticket | int, link_id: int, *, actor: User, channel: str = Channel.API,
           expected_version: int | None = None) -> None:
    """Remove one of `ticket`'s links (either way round); `expected_version` is `ticket`'s."""
    _require_staff(actor)
    ticket = lock_ticket(ticket, actor, expected_version)
    existing = (TicketLink.objects.select_related("source", "target")
                .filter(Q(source=ticket) | Q(target=ticket), pk=link_id).first())
    if existing is None or not permissions.can_see(actor, existing.source):
        raise NotFound(_("Link not found."))
    for this, other in ((existing.source, existing.target), (existing.target, existing.source)):
        locked = lock_ticket(this, actor, None) if permissions.can_see(actor, this) else None
        if locked is not None:
            change = _Change(locked, actor, channel, "unlinked")
            change.log("unlinked", field="link", old=f"{existing.kind} {other.number}")
            change.save()
    existing.delete()


@transaction.atomic
def merge(source: Ticket | int, target: Ticket | int, *, actor: User, channel: str = Channel.API,
          expected_version: int | None = None) -> Ticket:
    """Merge a duplicate into the original: its conversation, attachments and watchers move to the
    original, it is linked as duplicate-of and closed. Returns the original. `expected_version` is the
    duplicate's (`source`)."""
    _require_staff(actor)
    source = lock_ticket(source, actor, expected_version)
    target = lock_ticket(target, actor, None)
    if source.pk == target.pk:
        raise ActionError(_("A ticket cannot be merged into itself."))
    if target.status == Status.CLOSED:
        raise ActionError(_("%(number)s is closed; merge into an open ticket.") % {"number": target.number})
    if source.merged_into_id:
        raise ActionError(_("%(number)s was already merged.") % {"number": source.number})
    if source.requester_id != target.requester_id:
        # The duplicate's conversation would become readable by another customer.
        raise ActionError(
            _("%(a)s and %(b)s have different requesters and cannot be merged; link them instead "
              "(related, or children of one parent).") % {"a": source.number, "b": target.number}
        )
    moved = Comment.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    target.watchers.add(*source.watchers.all())
    TicketLink.objects.get_or_create(source=source, target=target, kind=LinkKind.DUPLICATE_OF,
                                     defaults={"created_by": actor})

    into = _Change(target, actor, channel, "merged_in")
    into.log("merged_in", field="merge", new=source.number,
             note=f"{moved} comments moved from {source.number}")
    into.save()

    out = _Change(source, actor, channel, "merged")
    out.set("merged_into", target)
    out.set("status", Status.CLOSED)
    out.set("pending_reason", "")
    if source.resolved_at is None:
        out.set("resolved_at", out.now)
    out.set("closed_at", out.now)
    out.log("merged", field="merge", new=target.number)
    out.save()
    return target


# ---------------------------------------------------------------------------------------------
# Time log and watchers


@transaction.atomic
def log_time(ticket: Ticket | int, *, actor: User, minutes: int, note: str = "",
             spent_on: datetime.date | None = None, channel: str = Channel.API,
             expected_version: int | None = None) -> TimeEntry:
    _require_staff(actor)
    ticket = lock_ticket(ticket, actor, expected_version)
    if minutes is None or minutes <= 0 or minutes > 24 * 60:
        raise ActionError(_("Minutes must be between 1 and 1440."))
    entry = TimeEntry.objects.create(ticket=ticket, agent=actor, minutes=minutes, note=note[:500],
                                     spent_on=spent_on or timezone.localdate())
    change = _Change(ticket, actor, channel, "time_logged")
    change.log("time_logged", field="time", new=str(minutes), note=note, internal=True)
    change.save()
    return entry


@transaction.atomic
def take_ownership(ticket: Ticket | int, *, actor: User, expected_version: int | None = None,
                   channel: str = Channel.API) -> Ticket:
    """The actor becomes the ticket's owner, accountable for following it up to the end wherever it
    is routed; a ticket nobody had acknowledged is acknowledged with it (the customer is told)."""
    _require_staff(actor)
    return update_ticket(ticket, actor=actor, channel=channel, expected_version=expected_version,
                         changes={"owner": actor})


def _check_watchers(actor: User, ticket: Ticket, people: Iterable[User]) -> None:
    """The one watcher rule (`permissions.may_watch`), on creation and on every later change."""
    refused = [person for person in people if not permissions.may_watch(actor, ticket, person)]
    if not refused:
        return
    if not actor.is_desk_staff:
        raise NotAllowed(_("Customers can only add or remove themselves as watchers."))
    raise NotAllowed(
        _("Watchers receive this ticket's replies, so they must be desk staff, the requester or people of the "
          "requester's organisation: %(names)s cannot watch it.")
        % {"names": ", ".join(person.username for person in refused)}
    )


@transaction.atomic
def set_watchers(ticket: Ticket | int, *, actor: User, add: Iterable[User] = (), remove: Iterable[User] = (),
                 channel: str = Channel.API, expected_version: int | None = None) -> Ticket:
    ticket = lock_ticket(ticket, actor, expected_version)
    add, remove = list(add), list(remove)
    if not actor.is_desk_staff and any(u.pk != actor.pk for u in remove):
        raise NotAllowed(_("Customers can only add or remove themselves as watchers."))
    _check_watchers(actor, ticket, add)
    change = _Change(ticket, actor, channel, "watchers")
    if add:
        ticket.watchers.add(*add)
        change.log("watchers", field="watchers", new=", ".join(u.username for u in add))
    if remove:
        ticket.watchers.remove(*remove)
        change.log("watchers", field="watchers", old=", ".join(u.username for u in remove))
    if change.entries:
        change.save()
    return ticket


# ---------------------------------------------------------------------------------------------
# Approval (servicedesk.approvals asks; the approvers may be people who cannot see the ticket, such as a
# customer's manager, so these lock it as the desk and write the history as the approver)


def _lock_for_approval(ticket: Ticket | int) -> Ticket:
    from servicedesk.accounts.identity import system_user

    return lock_ticket(ticket, system_user(), None)


@transaction.atomic
def wait_for_approval(ticket: Ticket | int, *, actor: User, channel: str, note: str, pend: bool) -> Ticket:
    """The ticket waits for approval: pending with reason "approval" when `pend` (its SLA clocks stop if its
    SLA policy pauses on approval), else only the history says so and it keeps its status and clocks."""
    ticket = _lock_for_approval(ticket)
    if not ticket.is_open:
        raise ActionError(_("A ticket that is %(status)s cannot wait for approval.")
                          % {"status": Status(ticket.status).label.lower()})
    change = _Change(ticket, actor, channel, "approval_requested")
    if pend:
        change.set("status", Status.PENDING)
        change.set("pending_reason", PendingReason.APPROVAL)
    change.log("approval_requested", note=note)
    return change.save()


@transaction.atomic
def record_approval_step(ticket: Ticket | int, *, actor: User, channel: str, event: str, note: str,
                         new: str = "") -> Ticket:
    """One approval event on the ticket's history (a decision, the next step)."""
    ticket = _lock_for_approval(ticket)
    change = _Change(ticket, actor, channel, event)
    change.log(event, new=new, note=note)
    return change.save()


@transaction.atomic
def end_approval_wait(ticket: Ticket | int, *, actor: User, channel: str, event: str, note: str,
                      close_with: str = "") -> Ticket:
    """The approval is over: a ticket pending on it returns to the status it had before; with `close_with` (a
    rejection) that text is the actor's public reply to the requester and the ticket is closed."""
    ticket = _lock_for_approval(ticket)
    change = _Change(ticket, actor, channel, event)
    change.log(event, note=note)
    if close_with and ticket.is_open:
        _write_comment(change, close_with, False)
        change.set("status", Status.CLOSED)
        change.set("pending_reason", "")
        if ticket.resolved_at is None:
            change.set("resolved_at", change.now)
        change.set("closed_at", change.now)
    elif ticket.status == Status.PENDING and ticket.pending_reason == PendingReason.APPROVAL:
        before = (HistoryEntry.objects.filter(ticket=ticket, field="status", new_value=Status.PENDING)
                  .order_by("-at", "-id").values_list("old_value", flat=True).first())
        change.set("status", before if before in OPEN_BEFORE_PENDING else Status.NEW)
        change.set("pending_reason", "")
    return change.save()


OPEN_BEFORE_PENDING = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS})


__all__ = [
    "ActionError", "Conflict", "NotAllowed", "NotFound", "TooLarge", "attachment_room", "check_comment",
    "check_description", "add_attachment", "add_comment", "assign",
    "assignee_wanted", "available_actions", "create_ticket", "link", "lock_ticket", "log_time", "merge",
    "priority_for",
    "record_event", "set_priority", "set_watchers", "take_ownership", "ticket_changed", "ticket_created",
    "transition", "unlink", "update_ticket", "wait_for_approval", "record_approval_step", "end_approval_wait",
]
