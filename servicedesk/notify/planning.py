"""Who is told what: each change, SLA threshold and digest planned into notifications, once.

A ticket change (the ticket versions one transaction committed: their HistoryEntry rows, see
``notify.changes``), an SLA threshold or a follow-up digest becomes one notification per recipient:
the most telling event for that person (``PRECEDENCE`` and the supersede rule under "Ticket changes"
below), rendered at once in their language and time zone with the ticket as it stood at the event,
and stored whole as an ``OutboundMessage`` row, with its Message-ID recorded in the intake's
``MessageReference`` (direction "out") in the same transaction, so a customer's reply by mail threads
back to the ticket. A retry sends the stored text: nothing is rendered again (``notify.sending``).

Nobody is told of their own action (so a customer's reply by email is never echoed back to them),
internal notes never reach customers, and the desk's own addresses never get mail. The one exception
to "own action" is the acknowledgement: a requester who opens a ticket gets the desk's receipt with
the committed response time.

Planned once
    The row's unique key (event, ticket, address, source key — the ticket version, "ack", the SLA
    threshold, or the digest's id) makes planning the same notification twice a no-op.

    Ticket changes are planned from their history, once per change (a ``PlannedChange`` per version,
    written in the planning's transaction). With a broker, a Celery task plans each change as soon as it
    commits. Without one (the embedded mode), nothing runs in the request or the mail ingester: the
    periodic ``send_due`` (every minute) first plans the changes not planned yet (``plan_pending``),
    then sends. The same catch-up runs with a broker too, so a change whose task was lost (a process
    stopped between the commit and the planning) is still told, once. SLA thresholds and digests are
    planned by their task as before (in-process: in the periodic task that raised them). When the
    mail server cannot be reached, the following plannings do not wait on it: their notifications
    stay queued for ``send_due`` until the backoff has passed.

Chat robots (``notify.chat``) are planned in the same step: a group's robot of the group a change routed
the ticket to (new in its queue) or whose SLA target is at risk, and each person's robot with the event that
person is mailed (nothing when they are not), under the same source key, so each robot is told once.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Desk, Group, User
from servicedesk.intake.models import Direction, Mailbox, MessageReference
from servicedesk.surveys import links as surveys
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Channel, Comment, HistoryEntry, Status, Ticket

from . import chat
from . import context as ctx
from .changes import versions_of_change
from .models import PERSONAL_EVENTS, CombinedChange, Event, OutboundMessage, PlannedChange, State
from .promises import promises
from .rendering import active_overrides, render

log = logging.getLogger(__name__)

MAX_REFERENCES = 20


# ---------------------------------------------------------------------------------------------
# Recipients


@dataclass
class Recipient:
    address: str
    language: str
    time_zone: str
    staff: bool
    user: User | None = None
    name: str = ""


def own_addresses() -> set[str]:
    from servicedesk.intake.ingest import own_addresses as intake_own_addresses

    return intake_own_addresses()


def recipient_for(user: User, desk=None) -> Recipient | None:
    address = (user.email or "").strip().lower()
    if not user.is_active or not address or "@" not in address:
        return None
    return Recipient(address=address, language=ctx.language_for(user.language, desk),
                     time_zone=ctx.time_zone_for(user, desk), staff=user.is_desk_staff, user=user,
                     name=user.display_name)


def group_recipient(group: Group, desk=None) -> Recipient:
    return Recipient(address=group.email.strip().lower(), language=ctx.language_for(None, desk),
                     time_zone=ctx.time_zone_for(None, desk), staff=True, name=group.name)


# ---------------------------------------------------------------------------------------------
# Threading and addresses


def new_message_id(ticket: Ticket | None) -> str:
    """A Message-ID of the desk (without angle brackets, as MessageReference keeps them)."""
    domain = getattr(settings, "SERVICEDESK_NOTIFY_MESSAGE_ID_DOMAIN", "") or "localhost"
    number = ticket.number if ticket is not None else "digest"
    return f"sd.{number}.{uuid.uuid4().hex}@{domain}"


def thread_of(ticket: Ticket) -> list[str]:
    """The ticket's earlier messages (received and sent), oldest first: the first and the latest few."""
    ids = list(MessageReference.objects.filter(ticket=ticket).order_by("created_at", "id")
               .values_list("message_id", flat=True))
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1):]
    return ids


def reply_address(ticket: Ticket | None) -> str:
    """The mailbox the ticket's mail came through, else the desk's first mailbox, else DEFAULT_FROM_EMAIL."""
    if ticket is not None:
        first = (ticket.inbound_messages.filter(mailbox__is_active=True).order_by("received_at", "id")
                 .values_list("mailbox__address", flat=True).first())
        if first:
            return first
        mailbox = Mailbox.objects.filter(desk_id=ticket.desk_id, is_active=True).order_by("id").first()
        if mailbox is not None:
            return mailbox.address
    return email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL



def _subject_with_number(subject: str, ticket: Ticket | None) -> str:
    if ticket is None or f"[{ticket.number}]" in subject:
        return subject
    return f"{subject} [{ticket.number}]"


# ---------------------------------------------------------------------------------------------
# Queueing


@dataclass
class Notice:
    event: str
    recipient: Recipient
    source_key: str
    extra: dict = field(default_factory=dict)


def _already_planned(notices: list[Notice], ticket: Ticket | None) -> set[tuple[str, str, str]]:
    """(event, address, source key) of the notices that have a row already (one query)."""
    keys = {notice.source_key for notice in notices}
    found = OutboundMessage.objects.filter(ticket=ticket, source_key__in=keys,
                                           address__in={n.recipient.address for n in notices})
    return set(found.values_list("event", "address", "source_key"))


def queue(notices: list[Notice], ticket: Ticket | None, build_context) -> list[int]:
    """Render and store each notice not stored yet; returns the ids of the rows to send.

    ``build_context(notice)`` gives the template context; it is called with the recipient's
    language active.
    """
    if not notices:
        return []
    own = own_addresses()
    planned = _already_planned(notices, ticket)
    notices = [n for n in notices
               if n.recipient.address not in own and (n.event, n.recipient.address, n.source_key) not in planned]
    if not notices:
        return []
    references = thread_of(ticket) if ticket is not None else []
    reply_to = reply_address(ticket)
    overrides = active_overrides()
    queued = []
    for notice in notices:
        recipient = notice.recipient
        fields = {"subject": "", "body_text": "", "body_html": "", "state": State.QUEUED, "last_error": ""}
        try:
            with translation.override(recipient.language), timezone.override(recipient.time_zone):
                context = {"desk_name": ctx.desk_name(ticket),
                           "recipient": {"name": recipient.name, "is_staff": recipient.staff}}
                context.update(build_context(notice))
            rendered = render(notice.event, recipient.language, context, recipient.time_zone, overrides)
            fields.update(subject=_subject_with_number(rendered.subject, ticket)[:500], body_text=rendered.text,
                          body_html=rendered.html)
        except Exception as error:
            # Kept as failed with the reason (admin), not lost in a log: the notification was due.
            log.exception("Rendering %s for %s failed", notice.event, recipient.address)
            fields.update(state=State.FAILED, last_error=_("The notification could not be written: %(error)s")
                          % {"error": f"{type(error).__name__}: {error}"[:1900]})
        message_id = new_message_id(ticket)
        try:
            with transaction.atomic():
                row = OutboundMessage.objects.create(
                    event=notice.event, ticket=ticket, recipient=recipient.user, address=recipient.address,
                    source_key=notice.source_key, language=recipient.language, message_id=message_id,
                    in_reply_to=references[-1] if references else "", references=" ".join(references),
                    reply_to=reply_to, auto_submitted=notice.event not in PERSONAL_EVENTS, **fields,
                )
                if ticket is not None and row.state == State.QUEUED:
                    MessageReference.objects.create(message_id=message_id, ticket=ticket, direction=Direction.OUT)
        except IntegrityError:
            continue  # planned at the same moment by another worker: that one sends it
        if row.state == State.QUEUED:
            queued.append(row.pk)
    return queued


# ---------------------------------------------------------------------------------------------
# Ticket changes
#
# A change is what one transaction committed to a ticket: one version, or several (``notify.changes``).
# Supersede rule: a change is told as its net effect, and each person gets at most one mail for it.
# - The net effect: the status from before the change to after it (statuses the change passed
#   through are not told: a ticket resolved and closed in one change is told as closed), the last
#   public reply and internal note, and the routing (group, person) the change left.
# - Of the events that net effect holds for a person, they get the first of ``PRECEDENCE``: a later,
#   more telling event supersedes the others. A ticket recorded and closed at once (the quick log's
#   "solved on the spot") tells its requester just that, with the solution; the acknowledgement, with
#   its promise to respond, is sent only when nothing else in the change is for the requester (a
#   resolution, a status change or a reply is the response it promised).
# - Every mail shows the ticket as it stood at the end of the change, read back from the history,
#   however late it is planned (the embedded catch-up runs every minute).

# When one change concerns a person in several ways, they get one mail: the first event of this list.
# A status change carries the reply written with it (e.g. "pending on you: which floor?").
PRECEDENCE = [Event.SOLVED_ON_CONTACT, Event.RESOLVED, Event.ASSIGNED_AGENT, Event.ASSIGNED_GROUP,
              Event.STATUS_CHANGED, Event.PUBLIC_REPLY, Event.ACKNOWLEDGEMENT]

# The ticket's fields a mail shows that its history records (as the actions write them: codes, names).
_REWOUND = ("status", "pending_reason", "priority", "type", "title", "description", "group", "assignee")


@dataclass
class _Change:
    """The net effect of one change (one or more ticket versions), read from their history rows."""

    version: int  # the change's last version: its key and the moment its mails show
    at: datetime.datetime
    actors: set[int] = field(default_factory=set)
    created: bool = False
    acknowledged: bool = False
    status_old: str = ""
    status_new: str = ""
    pending_reason: str = ""
    comment: Comment | None = None
    note: Comment | None = None
    group: Group | None = None
    assignee: User | None = None


def _read_change(ticket: Ticket, versions: list[int]) -> _Change | None:
    entries = list(HistoryEntry.objects.filter(ticket=ticket, version__in=versions).order_by("version", "id"))
    if not entries:
        return None
    seen = _Change(version=entries[-1].version, at=max(entry.at for entry in entries))
    routed: dict[int, dict[str, str]] = {}  # per version: the group and person it routed to
    for entry in entries:
        if entry.actor_id is not None:
            seen.actors.add(entry.actor_id)
        if entry.event == "created":
            seen.created = True
        elif entry.field == "acknowledged_at" and entry.new_value:
            seen.acknowledged = True
        elif entry.field == "status":
            seen.status_old = seen.status_old or entry.old_value
            seen.status_new = entry.new_value
        elif entry.field == "pending_reason":
            seen.pending_reason = entry.new_value
        elif entry.field in ("group", "assignee"):
            routed.setdefault(entry.version, {})[entry.field] = entry.new_value
        elif entry.event in ("public_reply", "internal_note") and entry.new_value.isdigit():
            comment = Comment.objects.select_related("author").filter(pk=int(entry.new_value), ticket=ticket).first()
            if comment is None:
                continue
            if entry.event == "public_reply" and not entry.internal and not comment.internal:
                seen.comment = comment
            elif comment.internal:
                seen.note = comment
    if routed:
        last = routed[max(routed)]
        if last.get("group"):
            seen.group = Group.objects.filter(name=last["group"]).first()
        if last.get("assignee"):
            seen.assignee = User.objects.filter(username=last["assignee"]).first()
    if seen.status_old == seen.status_new:
        seen.status_old = seen.status_new = ""
    return seen


def _rewind(ticket: Ticket, version: int) -> None:
    """Set the ticket's shown fields back to what they were at ``version`` (later changes undone, in
    memory only): a mail written after the ticket moved on still shows the state it reports."""
    later = (HistoryEntry.objects.filter(ticket=ticket, version__gt=version, field__in=_REWOUND)
             .order_by("version", "id").values_list("field", "old_value"))
    undone: dict[str, str] = {}
    for name, old in later:
        undone.setdefault(name, old)
    for name, old in undone.items():
        if name == "group":
            ticket.group = Group.objects.filter(name=old).first() if old else None
        elif name == "assignee":
            ticket.assignee = User.objects.filter(username=old).first() if old else None
        elif name == "priority":
            ticket.priority = int(old) if old.isdigit() else ticket.priority
        else:
            setattr(ticket, name, old)


def customer_statuses() -> set[str]:
    return set(getattr(settings, "SERVICEDESK_NOTIFY_CUSTOMER_STATUSES",
                        [Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED]))


def plan_ticket_change(ticket_id: int, version: int) -> list[int]:
    """Queue the notifications of the change that holds this ticket version, once: returns the row ids
    to send (none when that change was planned before, by this or another worker)."""
    ticket = (Ticket.objects.select_related("desk", "group", "assignee", "owner", "requester")
              .filter(pk=ticket_id).first())
    if ticket is None:
        return []
    versions = versions_of_change(ticket_id, version)
    seen = _read_change(ticket, versions)
    if seen is None:
        return []
    try:
        with transaction.atomic():
            # The marks first: a second planner of this change (a redelivered task, the task of another
            # of its versions, the catch-up running beside a worker) stops here, and a planning that
            # fails leaves no mark.
            PlannedChange.objects.bulk_create(
                [PlannedChange(ticket=ticket, version=v, changed_at=seen.at) for v in versions])
            if len(versions) > 1:
                # Its marks now keep the change from being planned again, version by version too.
                CombinedChange.objects.filter(ticket=ticket, first_version=versions[0]).delete()
            _rewind(ticket, seen.version)
            return _plan_change(ticket, seen)
    except IntegrityError:
        return []


def _plan_change(ticket: Ticket, seen: _Change) -> list[int]:
    desk = ticket.desk
    chosen: dict[str, Notice] = {}

    def offer(person: User | Recipient | None, event: str, *, key: str = f"v{seen.version}",
              own_action: bool = False) -> None:
        if person is None:
            return
        if isinstance(person, User):
            if person.pk in seen.actors and not own_action:
                return  # nobody is told of their own action
            person = recipient_for(person, desk)
            if person is None:
                return
        current = chosen.get(person.address)
        if current is None or PRECEDENCE.index(event) < PRECEDENCE.index(current.event):
            chosen[person.address] = Notice(event, person, key)

    watchers = list(ticket.watchers.all())
    requester = ticket.requester
    if seen.created or seen.acknowledged:
        # The desk's receipt goes to the requester also when they opened the ticket themselves.
        offer(requester, Event.ACKNOWLEDGEMENT, key="ack", own_action=True)
    if seen.created and seen.status_new == Status.CLOSED:
        offer(requester, Event.SOLVED_ON_CONTACT)
    if seen.status_new:
        for person in [requester, *watchers, ticket.assignee]:
            if person is None:
                continue
            if not person.is_desk_staff and seen.status_new not in customer_statuses():
                continue
            if seen.status_new == Status.RESOLVED and person != ticket.assignee:
                offer(person, Event.RESOLVED)
            else:
                offer(person, Event.STATUS_CHANGED)
    if seen.comment is not None:
        for person in [requester, *watchers, ticket.assignee or ticket.owner]:
            offer(person, Event.PUBLIC_REPLY)
    if seen.assignee is not None:
        offer(seen.assignee, Event.ASSIGNED_AGENT)
    if seen.group is not None and seen.assignee is None:
        # Routed to the group's queue: the group is told. Routed to a person: that person is.
        if seen.group.email:
            offer(group_recipient(seen.group, desk), Event.ASSIGNED_GROUP)
        else:
            members = list(seen.group.members.filter(is_active=True))
            if seen.group.lead is not None and seen.group.lead not in members:
                members.append(seen.group.lead)
            for member in members:
                offer(member, Event.ASSIGNED_GROUP)

    def build(notice: Notice) -> dict:
        if notice.event == Event.ACKNOWLEDGEMENT:
            return _ack_context(ticket, notice.recipient, seen.at)
        return _change_context(ticket, seen, notice)

    notices = list(chosen.values())
    return queue(notices, ticket, build) + _plan_change_chat(ticket, seen, notices)


def _plan_change_chat(ticket: Ticket, seen: _Change, notices: list[Notice]) -> list[int]:
    """The robots of a change: the group's, when it routed the ticket to the group's queue, and each person's
    with the event that person is mailed."""
    people: dict[str, list[User]] = {}
    for notice in notices:
        if notice.recipient.user is not None:
            people.setdefault(notice.event, []).append(notice.recipient.user)
    groups: dict[str, list[Group]] = {}
    if seen.group is not None and seen.assignee is None:
        groups[Event.ASSIGNED_GROUP] = [seen.group]
    by_event = {event: chat.robots_for(users=people.get(event, ()), groups=groups.get(event, ()), event=event)
                for event in sorted({*people, *groups})}

    def build(robot) -> dict:
        return {"ticket": ctx.ticket_context(ticket, staff=True),
                "group": seen.group.name if seen.group is not None else (ticket.group.name if ticket.group_id else ""),
                "assignee": ctx.person_name(seen.assignee) if seen.assignee is not None else ""}

    rows: list[int] = []
    for event, robots in by_event.items():
        rows += chat.plan_chat(event, robots, ticket=ticket, source_key=f"v{seen.version}", build_context=build)
    return rows


def plan_pending(now: datetime.datetime | None = None) -> list[int]:
    """Plan every recent ticket version not planned yet; returns the row ids to send.

    The catch-up that makes notifications durable: a change is committed with its history rows, and
    planning reads those, so whatever stopped between the commit and the planning (no broker: the
    periodic ``send_due``; with one: a lost task, a worker killed) is planned here, once
    (``PlannedChange``). It looks back from the latest planned change by
    ``SERVICEDESK_NOTIFY_CATCH_UP_MINUTES`` (default 10): a transaction longer than that whose
    process also stopped would be missed. When nothing was ever planned, it starts that far back
    from now (no mail about older history).
    """
    now = now or timezone.now()
    overlap = datetime.timedelta(minutes=int(getattr(settings, "SERVICEDESK_NOTIFY_CATCH_UP_MINUTES", 10)))
    latest = PlannedChange.objects.order_by("-changed_at").values_list("changed_at", flat=True).first()
    since = min(latest, now) - overlap if latest is not None else now - overlap
    changed = set(
        HistoryEntry.objects.filter(at__gte=since, version__gt=0, ticket__updated_at__gte=since)
        .values_list("ticket_id", "version").distinct()
    )
    planned = set(PlannedChange.objects.filter(changed_at__gte=since - overlap).values_list("ticket_id", "version"))
    rows: list[int] = []
    for ticket_id, version in sorted(changed - planned):
        try:
            rows += plan_ticket_change(ticket_id, version)
        except Exception:  # one ticket's failure must not hold up the others; the next run tries it again
            log.exception("Planning the notifications of ticket %s version %s failed", ticket_id, version)
    # The marks are only needed as far back as the catch-up looks; so are the combined changes it never
    # planned (e.g. those older than the catch-up's first run).
    PlannedChange.objects.filter(changed_at__lt=since - datetime.timedelta(days=1)).delete()
    CombinedChange.objects.filter(created_at__lt=since - datetime.timedelta(days=1)).delete()
    return rows


def _is_requester(ticket: Ticket, recipient: Recipient) -> bool:
    return recipient.user is not None and recipient.user.pk == ticket.requester_id


def _change_context(ticket: Ticket, seen: _Change, notice: Notice) -> dict:
    recipient = notice.recipient
    context = {"ticket": ctx.ticket_context(ticket, staff=recipient.staff), "comment": "", "note": "",
               "status_change": ""}
    if seen.comment is not None:
        context["comment"] = {"author": ctx.person_name(seen.comment.author), "body": seen.comment.body}
    staff_reader = recipient.staff and (recipient.user is None or permissions.sees_internal(recipient.user))
    if seen.note is not None and staff_reader:
        context["note"] = seen.note.body
    if seen.status_new:
        context["status_change"] = ctx.status_change_context(seen.status_old, seen.status_new, seen.pending_reason)
    if notice.event == Event.RESOLVED:
        page = ctx.ticket_url(ticket, staff=False)
        own = _is_requester(ticket, recipient)
        context["confirm_url"] = page + "#confirm-heading" if own else ""
        context["reopen_url"] = page + "#reopen_comment" if own else ""
        context["survey"] = surveys.resolution_survey(ticket, seen.version) if own else ""
    if notice.event == Event.SOLVED_ON_CONTACT:
        context["channel"] = str(Channel(ticket.channel).label) if ticket.channel in Channel.values else ""
    if notice.event in (Event.ASSIGNED_AGENT, Event.ASSIGNED_GROUP):
        context["group"] = seen.group.name if seen.group is not None else context["ticket"]["group"]
        context["assignee"] = ctx.person_name(seen.assignee) if seen.assignee is not None else ""
    return context


def _ack_context(ticket: Ticket, recipient: Recipient, at: datetime.datetime) -> dict:
    response = promises(ticket, at).response
    return {"ticket": ctx.ticket_context(ticket, staff=recipient.staff),
            "response_due": ctx.format_when(response.due_at, recipient.time_zone),
            "response_minutes": response.minutes, "response_from_policy": response.from_policy}


# ---------------------------------------------------------------------------------------------
# SLA signals


def plan_threshold(ticket_id: int, target: str, percent: int, due_at: datetime.datetime, user_ids: list[int],
                   group_id: int | None) -> list[int]:
    ticket = Ticket.objects.select_related("desk", "group", "assignee", "requester").filter(pk=ticket_id).first()
    if ticket is None:
        return []
    group = Group.objects.filter(pk=group_id).first() if group_id else None
    event = Event.SLA_BREACH if percent >= 100 else Event.SLA_WARNING
    key = f"{target}:{percent}:{group_id or 0}:{int(due_at.timestamp())}"
    notices = []
    for user in User.objects.filter(pk__in=user_ids).order_by("id"):
        recipient = recipient_for(user, ticket.desk)
        if recipient is not None:
            notices.append(Notice(event, recipient, key))

    def sla_context(time_zone: str) -> dict:
        return {"target": ctx.sla_target_label(target), "percent": percent, "due": ctx.format_when(due_at, time_zone),
                "group": group.name if group is not None else ""}

    def build(notice: Notice) -> dict:
        return {"ticket": ctx.ticket_context(ticket, staff=notice.recipient.staff),
                "sla": sla_context(notice.recipient.time_zone)}

    # Robots: the group's whose target it is (an OLA's group, else the ticket's), and the robots of the people
    # mailed above.
    robots = chat.robots_for(groups=[group or ticket.group] if (group or ticket.group) else [], event=event)
    robots += chat.robots_for(users=[n.recipient.user for n in notices], event=event)

    def build_chat(robot) -> dict:
        return {"ticket": ctx.ticket_context(ticket, staff=True),
                "sla": sla_context(timezone.get_current_timezone_name())}

    return queue(notices, ticket, build) + chat.plan_chat(event, robots, ticket=ticket, source_key=key,
                                                          build_context=build_chat)


def plan_digest(recipient_id: int, ticket_ids: list[int], as_lead: bool, key: str) -> list[int]:
    user = User.objects.filter(pk=recipient_id).first()
    desk = Desk.objects.filter(is_default=True).first() or Desk.objects.order_by("id").first()
    recipient = recipient_for(user, desk) if user is not None else None
    if recipient is None or not ticket_ids:
        return []
    tickets = list(Ticket.objects.filter(pk__in=ticket_ids).select_related("group", "assignee")
                   .order_by("updated_at", "id"))

    def build(notice: Notice) -> dict:
        rows = [{
            "number": t.number, "title": t.title, "status": ctx.status_label(t.status),
            "group": t.group.name if t.group_id else "", "assignee": ctx.person_name(t.assignee),
            "updated": ctx.format_when(t.updated_at, notice.recipient.time_zone),
            "url": ctx.ticket_url(t, staff=notice.recipient.staff),
        } for t in tickets]
        return {"tickets": rows, "as_lead": as_lead, "count": len(rows)}

    return queue([Notice(Event.FOLLOW_UP_DIGEST, recipient, f"digest:{key}")], None, build)
