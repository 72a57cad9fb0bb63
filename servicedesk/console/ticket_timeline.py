"""What the ticket page shows: the timeline (replies, notes and history as sentences), the change
list of a conflict, and the possible duplicates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.changes.models import State as ChangeState
from servicedesk.core import rows
from servicedesk.search.tokens import tokenize
from servicedesk.tickets import history_notes, permissions
from servicedesk.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Comment,
    HistoryEntry,
    Level,
    LinkKind,
    PendingReason,
    Priority,
    Status,
    Ticket,
    TicketType,
)
from servicedesk.tickets.queries import attach_users

# Fields whose changes are bookkeeping, not news: the history keeps them, the timeline does not.
QUIET_FIELDS = {
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "priority_overridden",
    "merged_into",
}
# Events that the timeline shows as the comment itself.
COMMENT_EVENTS = {"public_reply", "internal_note"}
# A ticket's links to knowledge articles; the history's value is "#<id> <title>".
ARTICLE_EVENTS = {
    "article_linked": gettext_lazy("%(who)s answered with the article %(article)s"),
    "article_unlinked": gettext_lazy("%(who)s removed the article %(article)s"),
    "article_drafted": gettext_lazy("%(who)s turned this ticket into the article %(article)s"),
}
# servicedesk.major.actions: the reason or resolution is the entry's note.
MAJOR_EVENTS = {
    "major_declared": gettext_lazy("%(who)s declared this ticket a major incident"),
    "major_stood_down": gettext_lazy("%(who)s stood down the major incident"),
    "major_resolved": gettext_lazy("%(who)s resolved the major incident"),
}
# servicedesk.approvals: the policy's name is the note (asked, decided), the approver's comment a decision's note.
APPROVAL_EVENTS = {
    "approval_requested": gettext_lazy("%(who)s asked for approval: %(note)s"),
    "approval_approved": gettext_lazy("Approval given: %(note)s"),
    "approval_rejected": gettext_lazy("Approval refused: %(note)s"),
    "approval_cancelled": gettext_lazy("%(who)s withdrew the approval: %(note)s"),
    "approval_step": gettext_lazy("The approval's step %(new)s began"),
}
APPROVAL_DECISIONS = {
    "approve": (gettext_lazy("%(who)s approved"), gettext_lazy("%(who)s approved: “%(note)s”")),
    "reject": (gettext_lazy("%(who)s rejected"), gettext_lazy("%(who)s rejected: “%(note)s”")),
}
# servicedesk.problems.actions: the new root cause or workaround, the article, the resolution's cascade.
PROBLEM_EVENTS = {
    "root_cause": gettext_lazy("%(who)s recorded the root cause: %(value)s"),
    "workaround": gettext_lazy("%(who)s recorded the workaround: %(value)s"),
    "known_error_published": gettext_lazy("%(who)s published the known error as the article %(value)s"),
    "problem_resolved": gettext_lazy("%(who)s resolved the problem"),
}

# servicedesk.cmdb.actions: the item's name is the entry's value.
ITEM_EVENTS = {
    "item_linked": gettext_lazy("%(who)s linked the configuration item %(item)s"),
    "item_unlinked": gettext_lazy("%(who)s unlinked the configuration item %(item)s"),
}

CHOICES = {
    "status": Status,
    "priority": Priority,
    "impact": Level,
    "urgency": Level,
    "pending_reason": PendingReason,
    "type": TicketType,
    "channel": Channel,
}


def field_label(name: str) -> str:
    extra = {"link": _("link"), "merge": _("merge"), "time": _("time"), "watchers": _("watchers"),
             "tags": _("tags")}
    if name in extra:
        return extra[name]
    try:
        return str(Ticket._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - an event name rather than a field
        return name.replace("_", " ")


def value_label(name: str, value) -> str:
    """A stored history value as people read it: choice labels instead of codes."""
    if value in (None, ""):
        return ""
    if name == "group":
        return accounts_refdata.group_names_by_key().get(value, value)
    choices = CHOICES.get(name)
    if choices is not None:
        try:
            return str(choices(type(choices.values[0])(value)).label)
        except (ValueError, TypeError):
            return str(value)
    return str(value)


def link_label(stored: str) -> tuple[str, str]:
    """'duplicate_of SD-000001' → ('duplicate of', 'SD-000001')."""
    kind, _sep, number = (stored or "").partition(" ")
    try:
        return str(LinkKind(kind).label), number
    except ValueError:
        return kind, number


def _state_label(value: str) -> str:
    try:
        return str(ChangeState(value).label)
    except ValueError:
        return value


def by_the_system(entry: HistoryEntry) -> bool:
    """Made by the desk's system identity, or by nobody (rows written before it existed)."""
    return not entry.actor_id or entry.actor.is_system_identity


def describe(entry: HistoryEntry) -> str:
    """One history line as a sentence: "agent1 changed status from New to Acknowledged"."""
    who = _("The system") if by_the_system(entry) else entry.actor.display_name
    event, name = entry.event, entry.field
    if event == "created":
        return _("%(who)s created the ticket") % {"who": who}
    if event == "priority_override":
        return _("%(who)s overrode the priority: %(old)s by the matrix, set to %(new)s") % {
            "who": who,
            "old": value_label("priority", entry.old_value),
            "new": value_label("priority", entry.new_value),
        }
    if event in ("linked", "linked_from", "unlinked"):
        kind, number = link_label(entry.new_value or entry.old_value)
        if event == "linked":
            return _("%(who)s linked this ticket as %(kind)s %(number)s") % {
                "who": who,
                "kind": kind,
                "number": number,
            }
        if event == "linked_from":
            return _("%(who)s linked %(number)s to this ticket (%(kind)s)") % {
                "who": who,
                "kind": kind,
                "number": number,
            }
        return _("%(who)s removed the link %(kind)s %(number)s") % {
            "who": who,
            "kind": kind,
            "number": number,
        }
    if event == "merged_in":
        return _("%(who)s merged %(number)s into this ticket") % {"who": who, "number": entry.new_value}
    if event == "merged" and name == "merge":
        return _("%(who)s merged this ticket into %(number)s") % {"who": who, "number": entry.new_value}
    if event == "time_logged":
        return _("%(who)s logged %(minutes)s minutes") % {"who": who, "minutes": entry.new_value}
    if event == "watchers":
        if entry.new_value:
            return _("%(who)s added watchers: %(names)s") % {"who": who, "names": entry.new_value}
        return _("%(who)s removed watchers: %(names)s") % {"who": who, "names": entry.old_value}
    if event == "attachment_added":
        return _("%(who)s attached %(name)s") % {"who": who, "name": entry.new_value}
    if event == "tagged":
        return _("%(who)s added the tags %(tags)s") % {"who": who, "tags": entry.new_value}
    if event == "auto_assignment":
        return _("%(who)s tried to assign a person automatically") % {"who": who}
    if event == "routing_failed":
        return _("%(who)s skipped a routing rule") % {"who": who}
    if event == "change_state":  # servicedesk.changes.actions
        return _("%(who)s moved the change from “%(old)s” to “%(new)s”") % {
            "who": who, "old": _state_label(entry.old_value), "new": _state_label(entry.new_value)}
    if event == "change_conflicts":
        count = int(entry.new_value) if entry.new_value.isdigit() else 0
        return ngettext("%(who)s scheduled the change with %(n)s conflict (its page names it)",
                        "%(who)s scheduled the change with %(n)s conflicts (its page names them)", count) % {
            "who": who, "n": count}
    if event in MAJOR_EVENTS:
        return str(MAJOR_EVENTS[event]) % {"who": who}
    if event in APPROVAL_EVENTS and not name:  # its field changes (status, pending reason) read as any other
        return str(APPROVAL_EVENTS[event]) % {"who": who, "note": entry.note, "new": entry.new_value}
    if event == "approval_decision" and entry.new_value in APPROVAL_DECISIONS:
        plain, commented = APPROVAL_DECISIONS[entry.new_value]
        return str(commented if entry.note else plain) % {"who": who, "note": entry.note}
    if event in ITEM_EVENTS:
        return str(ITEM_EVENTS[event]) % {"who": who, "item": entry.new_value or entry.old_value}
    if event in ("problem_analysed", "known_error_published", "problem_resolved"):
        key = name if event == "problem_analysed" else event
        return str(PROBLEM_EVENTS[key]) % {"who": who, "value": entry.new_value}
    if event in ARTICLE_EVENTS:  # knowledge.actions.links
        return str(ARTICLE_EVENTS[event]) % {"who": who, "article": entry.new_value or entry.old_value}
    if name:
        values = {
            "who": who,
            "field": field_label(name),
            "old": value_label(name, entry.old_value),
            "new": value_label(name, entry.new_value),
        }
        if values["old"] and values["new"]:
            return _("%(who)s changed %(field)s from %(old)s to %(new)s") % values
        if values["new"]:
            return _("%(who)s set %(field)s to %(new)s") % values
        return _("%(who)s cleared %(field)s (was %(old)s)") % values
    return _("%(who)s: %(event)s") % {"who": who, "event": event.replace("_", " ")}


@dataclass
class Item:
    kind: str  # "comment" or "event"
    at: datetime.datetime
    comment: Comment | None = None
    lines: list[str] = field(default_factory=list)
    note: str = ""
    internal: bool = False
    actor: object = None


PEOPLE_FIELDS = ("requester", "owner", "assignee", "author", "actor", "agent", "uploaded_by")


def timeline(ticket: Ticket, user, attachments: list | None = None, holders=()) -> list[Item]:
    """Replies, internal notes and history events of one ticket, oldest first (three queries,
    whatever the length). `attachments`: the ticket's attachments the user may see, when already
    read. The people named (the ticket's, authors, actors, and those of `holders`, e.g. time
    entries) are loaded together in one query by key: joining the user table made PostgreSQL
    hash the whole table for a ticket's few history rows."""
    internal_ok = permissions.sees_internal(user)
    # Read by statements built once (core.rows): compiling two querysets cost more than running them.
    quote = connection.ops.quote_name
    where, params = f"{quote('ticket_id')} = %s", [ticket.pk]
    if not internal_ok:
        where, params = f"{where} AND {quote('internal')} = %s", [ticket.pk, False]
    comments = rows.select(Comment, f"{where} ORDER BY {quote('created_at')}, {quote('id')}", params)
    history = rows.select(HistoryEntry, f"{where} ORDER BY {quote('at')}, {quote('id')}", params)
    permissions.hide_unseen_references(user, history)
    if attachments is None:
        attachments = [a for a in Attachment.objects.filter(ticket=ticket).order_by("id")
                       if internal_ok or not a.internal]
    attach_users([ticket, *comments, *history, *holders], PEOPLE_FIELDS)
    by_comment: dict[int, list] = {}
    for attachment in attachments:
        if attachment.comment_id is not None:
            by_comment.setdefault(attachment.comment_id, []).append(attachment)
    comment_times = {c.created_at for c in comments}
    items: list[Item] = []
    for c in comments:
        c.visible_attachments = by_comment.get(c.pk, [])
        items.append(Item("comment", c.created_at, comment=c, internal=c.internal, actor=c.author))
    # One change (one action) is one event line block: entries sharing actor and time.
    current: Item | None = None
    for entry in history:
        if entry.event in COMMENT_EVENTS or entry.field in QUIET_FIELDS:
            continue
        if entry.event == "attachment_added" and entry.at in comment_times:
            continue
        sentence = describe(entry)
        # A change the system or a routing rule made (auto-assignment, escalation) always says why.
        explained = by_the_system(entry) or history_notes.is_explained(entry.note)
        note = entry.note if entry.event == "time_logged" else history_notes.readable(entry.note) if explained else ""
        if current is not None and current.at == entry.at and current.actor == entry.actor_id and not note:
            current.lines.append(sentence)
            continue
        current = Item(
            "event", entry.at, lines=[sentence], note=note, internal=entry.internal, actor=entry.actor_id
        )
        items.append(current)
    # Stable: at equal times, the event (e.g. "changed status") comes after the comment it came with.
    items.sort(key=lambda i: (i.at, 0 if i.kind == "comment" else 1))
    return items


def conflict_changes(changes: list[dict]) -> list[dict]:
    """exc.details["changes"] of a Conflict, readable: field label, old → new, who, when (local time)."""
    rows = []
    for change in changes or []:
        name = change.get("field") or ""
        at = parse_datetime(change.get("at") or "")
        rows.append(
            {
                "field": field_label(name),
                "old": value_label(name, change.get("old")),
                "new": value_label(name, change.get("new")),
                "actor": change.get("actor") or _("The system"),
                "at": timezone.localtime(at) if at else None,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Possible duplicates

DUPLICATE_WINDOW = datetime.timedelta(days=7)
CANDIDATE_LIMIT = 200
STOPWORDS = {
    "the",
    "and",
    "for",
    "with",
    "not",
    "cannot",
    "can",
    "from",
    "into",
    "after",
    "before",
    "when",
    "this",
    "that",
    "my",
    "is",
    "to",
    "of",
    "on",
    "in",
    "at",
    "an",
    "or",
    "be",
    "it",
    "no",
    "do",
    "does",
    "will",
    "are",
    "was",
    "please",
    "need",
    "new",
}
def title_tokens(title: str) -> set[str]:
    """The words of a title that a possible duplicate may share: the search's tokens (jieba, so Chinese
    splits into words) of two characters or more, stop words left out."""
    return {token for token in tokenize(title) if len(token) >= 2 and token not in STOPWORDS}


def possible_duplicates(ticket: Ticket, user, limit: int = 10) -> list[tuple[Ticket, list[str]]]:
    """Open tickets from the same requester or of the same category, created within 7 days either side,
    whose title shares a word with this one. One query, capped to the 200 most recent candidates."""
    scope = Q(requester_id=ticket.requester_id)
    if ticket.category_id:
        scope |= Q(category_id=ticket.category_id)
    candidates = (
        permissions.visible_tickets(user)
        .filter(
            scope,
            status__in=OPEN_STATUSES,
            created_at__gte=ticket.created_at - DUPLICATE_WINDOW,
            created_at__lte=ticket.created_at + DUPLICATE_WINDOW,
        )
        .exclude(pk=ticket.pk)
        .select_related("requester")
        .only(
            "id",
            "number",
            "title",
            "status",
            "priority",
            "created_at",
            "requester__username",
            "requester__first_name",
            "requester__last_name",
            "requester_id",
            "category_id",
        )
        .order_by("-created_at", "-id")[:CANDIDATE_LIMIT]
    )
    mine = title_tokens(ticket.title)
    if not mine:
        return []
    found = []
    for other in candidates:
        shared = mine & title_tokens(other.title)
        if shared:
            found.append((other, sorted(shared, key=lambda t: (-len(t), t))))
    found.sort(key=lambda pair: (-len(pair[1]), -pair[0].created_at.timestamp()))
    return found[:limit]
