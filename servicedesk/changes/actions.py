"""Every change of a change record (变更), one function each (docs/architecture.md's shape): raise, edit the
plan, submit (a standard change is scheduled at once, a normal or emergency one goes to its approval policy),
move it on (start, complete, close, cancel), and follow the approval's outcome. Each runs in one transaction,
locks the record, checks who may and the version the caller loaded, writes, records the audit trail (and the
state in the ticket's history) and announces `change_changed` after commit.

When a change is scheduled its conflicts (changes.conflicts) are written into the ticket's history, and a
service notice (announcements) tells the people of the affected services of the planned window."""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.announcements import actions as notices
from servicedesk.announcements.models import Kind as NoticeKind
from servicedesk.announcements.models import Phase
from servicedesk.approvals import actions as approvals
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Channel, Level, Service, TicketType

from . import conflicts
from .models import ApprovalRoute, ChangeRecord, Kind, StandardChange, State

log = logging.getLogger(__name__)

# Sent after commit: change (as saved), actor, event ("created", "updated", or the state it moved to).
change_changed = Signal()

MAX_TITLE = 255
MAX_TEXT = 20_000
FIRST_YEAR, LAST_YEAR = 2000, 2100

audit.register_events([*((state.value, state.label) for state in State),
                       ("conflicts", gettext_lazy("scheduled with conflicts"))])

PLAN_FIELDS = ["kind", "template", "risk", "impact", "planned_start", "planned_end", "implementation", "backout",
               "review"]

# action → (the states it is taken from, the state it leads to); "submit" leads on by the change's kind.
MOVES = {
    "submit": ((State.DRAFT,), None),
    "start": ((State.SCHEDULED,), State.IMPLEMENTING),
    "complete": ((State.IMPLEMENTING,), State.REVIEW),
    "close": ((State.REVIEW,), State.CLOSED),
    "cancel": ((State.DRAFT, State.AWAITING_APPROVAL, State.SCHEDULED), State.CANCELLED),
}
MOVE_LABELS = {
    "submit": pgettext_lazy("change", "Submit"),
    "start": gettext_lazy("Start implementing"),
    "complete": gettext_lazy("Implemented: to review"),
    "close": pgettext_lazy("change", "Close"),
    "cancel": gettext_lazy("Cancel the change"),
}


@dataclasses.dataclass
class ChangeInput:
    """What a caller sets; None leaves a field as it is (on raising: its default, or the template's)."""

    title: str | None = None
    description: str | None = None
    kind: str | None = None
    template: StandardChange | None = None
    risk: int | None = None
    impact: int | None = None
    planned_start: datetime.datetime | None = None
    planned_end: datetime.datetime | None = None
    services: list[Service] | None = None
    implementation: str | None = None
    backout: str | None = None
    review: str | None = None


# ---------------------------------------------------------------------------------------------
# Who may


def may_plan(user) -> bool:
    """Desk staff raise changes and carry them through; approving them is the approval policy's."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.is_desk_staff)


def available_moves(change: ChangeRecord, user) -> list[str]:
    if not may_plan(user):
        return []
    return [action for action, (sources, _target) in MOVES.items() if change.state in sources]


# ---------------------------------------------------------------------------------------------
# Helpers


def _announce(change: ChangeRecord, actor: User, event: str) -> None:
    def send() -> None:
        log.info("Change %s %s by %s", change.pk, event, actor.username)
        change_changed.send(sender=ChangeRecord, change=change, actor=actor, event=event)

    transaction.on_commit(send)


def _ticket_channel(channel: str) -> str:
    return channel if channel in Channel.values else Channel.SYSTEM


def lock_change(change: ChangeRecord | int, actor: User, expected_version: int | None = None) -> ChangeRecord:
    pk = change.pk if isinstance(change, ChangeRecord) else change
    found = ChangeRecord.objects.select_for_update().filter(pk=pk).order_by("pk").first()
    if found is None:
        raise NotFound(_("No such change."))
    if not actor.is_system_identity:
        if not permissions.can_see(actor, found.ticket):
            raise NotFound(_("No such change."))
        if not may_plan(actor):
            raise NotAllowed(_("Only desk staff may change a change."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this change since you loaded it (now version %(v)s); reload it and "
                         "try again.") % {"v": found.version}, current_version=found.version)
    return found


def _text(value: str | None, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise ActionError(_("The text is too long (at most %(n)s characters).") % {"n": limit})
    return value


def _level(value: int | None) -> int | None:
    if value is not None and value not in Level.values:
        raise ActionError(_("Risk and impact are 1 (high), 2 (medium) or 3 (low)."))
    return value


def check_year(moment: datetime.datetime | None) -> None:
    """Far years would overflow on the way to UTC (a 500); no change is planned centuries ahead."""
    if moment is not None and not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ActionError(_("Times must lie between the years %(first)s and %(last)s.")
                          % {"first": FIRST_YEAR, "last": LAST_YEAR})


def _apply(change: ChangeRecord, data: ChangeInput) -> None:
    """Set the plan's fields the caller gave, then check the plan as a whole."""
    if data.kind is not None:
        if data.kind not in Kind.values:
            raise ActionError(_("Unknown kind of change: %(v)s") % {"v": data.kind})
        change.kind = data.kind
    if data.template is not None:
        if not data.template.is_active:
            raise ActionError(_("The standard change %(name)s is not available.") % {"name": data.template})
        change.template = data.template
    if change.kind != Kind.STANDARD:
        change.template = None
    elif change.template is None:
        raise ActionError(_("A standard change is made from one of the pre-approved standard changes: choose one."))
    for name in ("risk", "impact"):
        if getattr(data, name) is not None:
            setattr(change, name, _level(getattr(data, name)))
    for name in ("implementation", "backout", "review"):
        value = _text(getattr(data, name))
        if value is not None:
            setattr(change, name, value)
    for moment in (data.planned_start, data.planned_end):
        check_year(moment)
    if data.planned_start is not None:
        change.planned_start = data.planned_start
    if data.planned_end is not None:
        change.planned_end = data.planned_end
    if change.has_window and change.planned_end <= change.planned_start:
        raise ActionError(_("The planned end must be after the planned start."))


def _from_template(change: ChangeRecord, data: ChangeInput) -> None:
    """A standard change takes its template's risk, impact, steps and services where the caller gave none."""
    template = change.template
    for name in ("risk", "impact", "implementation", "backout", "review"):
        if getattr(data, name) is None:
            setattr(change, name, getattr(template, name))
    if data.services is None:
        data.services = list(template.services.all())


def _record_state(change: ChangeRecord, old: str, *, actor: User, channel: str, note: str = "") -> None:
    """The state move in the ticket's history (its timeline) and in the audit trail."""
    ticket_actions.record_event(change.ticket_id, actor=actor, event="change_state", channel=_ticket_channel(channel),
                                field="change_state", old=old, new=change.state, note=note[:500])
    audit.record_event(change, change.state, actor=actor, channel=channel, note=note[:500],
                       changes={"state": (old, change.state)})


def _save(change: ChangeRecord, fields: list[str]) -> None:
    change.version += 1
    change.updated_at = timezone.now()
    change.save(update_fields=[*fields, "version", "updated_at"])


# ---------------------------------------------------------------------------------------------
# Raising and planning


@transaction.atomic
def create_change(data: ChangeInput, *, actor: User, channel: str) -> ChangeRecord:
    """Raise a change: its ticket (type change request, owned by the actor) and its record, as a draft."""
    if not may_plan(actor):
        raise NotAllowed(_("Only desk staff may raise changes."))
    title = " ".join((data.title or "").split())
    if not title and data.template is not None:
        title = str(data.template)
    if not title:
        raise ActionError(_("A change needs a title."))
    if len(title) > MAX_TITLE:
        raise ActionError(_("The title is too long (at most %(n)s characters).") % {"n": MAX_TITLE})
    if data.kind is None and data.template is not None:
        data.kind = Kind.STANDARD
    change = ChangeRecord(created_by=actor, kind=data.kind or Kind.NORMAL)
    _apply(change, data)
    if change.kind == Kind.STANDARD:
        _from_template(change, data)
    description = _text(data.description) or (change.template.description if change.template else "")
    change.ticket = ticket_actions.create_ticket(actor=actor, title=title, description=description,
                                                 type=TicketType.CHANGE_REQUEST, channel=_ticket_channel(channel),
                                                 impact=change.impact)
    change.save()
    if data.services:
        change.services.set(data.services)
    audit.record_created(change, actor=actor, channel=channel, fields=[*PLAN_FIELDS, "ticket", "state"])
    _announce(change, actor, "created")
    return change


@transaction.atomic
def update_change(change: ChangeRecord | int, data: ChangeInput, *, actor: User, channel: str,
                  expected_version: int | None = None) -> ChangeRecord:
    """Change the plan: only while it is a draft (what approvers approved, or what a template pre-approved,
    is not changed behind them). Title and description are the ticket's."""
    change = lock_change(change, actor, expected_version)
    if change.state != State.DRAFT:
        raise ActionError(_("Only a draft change can be edited; cancel it and raise a new one."))
    before = audit.snapshot(change, PLAN_FIELDS)
    _apply(change, data)
    ticket_changes = {}
    if data.title is not None:
        ticket_changes["title"] = " ".join(data.title.split())[:MAX_TITLE]
    if data.description is not None:
        ticket_changes["description"] = _text(data.description)
    if ticket_changes:
        ticket_actions.update_ticket(change.ticket_id, actor=actor, channel=_ticket_channel(channel),
                                     changes=ticket_changes)
    services_changed = False
    if data.services is not None:
        services_changed = {s.pk for s in change.services.all()} != {s.pk for s in data.services}
        if services_changed:
            old = ", ".join(sorted(str(s) for s in change.services.all()))
            change.services.set(data.services)
            audit.record_event(change, "changed", actor=actor, channel=channel, changes={
                "services": (old, ", ".join(sorted(str(s) for s in data.services)))})
    if audit.diff(before, audit.snapshot(change, PLAN_FIELDS)) or services_changed or ticket_changes:
        _save(change, PLAN_FIELDS)
        audit.record_change(change, before, actor=actor, channel=channel)
        _announce(change, actor, "updated")
    return change


# ---------------------------------------------------------------------------------------------
# Moving on


def _check_ready(change: ChangeRecord) -> None:
    if not change.has_window:
        raise ActionError(_("Plan the window (start and end) before submitting the change."))
    if not change.implementation or not change.backout:
        raise ActionError(_("Describe the implementation and the back-out steps before submitting the change."))


def _notice_text(change: ChangeRecord) -> dict[str, str]:
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            texts[language] = _("Planned change %(number)s (%(title)s): the affected services may be unavailable "
                                "between %(start)s and %(end)s") % {
                "number": change.ticket.number, "title": change.ticket.title,
                "start": formats.date_format(timezone.localtime(change.planned_start), "DATETIME_FORMAT"),
                "end": formats.date_format(timezone.localtime(change.planned_end), "DATETIME_FORMAT")}
    return texts


def _publish_notice(change: ChangeRecord, channel: str) -> None:
    """A planned-maintenance notice over the window for the affected services (none named: no notice). The
    desk publishes it itself: whoever scheduled the change need not be one who writes notices."""
    services = list(change.services.all())
    if not services:
        return
    texts = _notice_text(change)
    with translation.override("zh-hans"):
        title_zh = _("Planned change: %(title)s") % {"title": change.ticket.title}
    with translation.override("en"):
        title = _("Planned change: %(title)s") % {"title": change.ticket.title}
    change.announcement = notices.create_announcement(notices.AnnouncementInput(
        kind=NoticeKind.PLANNED_CHANGE, title=title[:notices.MAX_TITLE], title_zh=title_zh[:notices.MAX_TITLE],
        body=texts["en"], body_zh=texts["zh-hans"], starts_at=change.planned_start, ends_at=change.planned_end,
        services=services), actor=system_user(), channel=channel)


def _end_notice(change: ChangeRecord, channel: str) -> None:
    notice = change.announcement
    if notice is not None and notice.phase() != Phase.ENDED:
        notices.end_announcement(notice, actor=system_user(), channel=channel)


def _schedule(change: ChangeRecord, *, actor: User, channel: str, note: str = "") -> None:
    """Into the calendar: its conflicts are flagged (not refused) in the history, its notice is published."""
    old, change.state = change.state, State.SCHEDULED
    _publish_notice(change, channel)
    _save(change, ["state", "announcement"])
    found = conflicts.of(change)
    _record_state(change, old, actor=actor, channel=channel, note=note)
    if found:
        # The history counts them; the change's page names them to each reader as far as they may see.
        ticket_actions.record_event(change.ticket_id, actor=actor, event="change_conflicts", internal=True,
                                    channel=_ticket_channel(channel), new=str(len(found)))
        with translation.override("en"):
            audit.record_event(change, "conflicts", actor=actor, channel=channel,
                               note="; ".join(c.text() for c in found)[:500])


ENDINGS = {
    State.CLOSED: gettext_lazy("The change is implemented, reviewed and closed."),
    State.REJECTED: gettext_lazy("The change was rejected by its approvers."),
    State.CANCELLED: gettext_lazy("The change was cancelled."),
}


def _end_ticket(change: ChangeRecord, *, actor: User, channel: str, note: str) -> None:
    """A change that ended takes its ticket out of the queues (and its SLA clocks): resolved with the note (or a
    sentence in the requester's language), then closed. Where the desk's lifecycle refuses that, the ticket is
    left as it is for the desk to close: the change has ended all the same."""
    ticket = change.ticket
    ticket.refresh_from_db()
    if not ticket.is_open:
        return
    with translation.override(ticket.requester.language or settings.LANGUAGE_CODE):
        text = note or str(ENDINGS[change.state])
    try:
        with transaction.atomic():
            ticket_actions.transition(ticket, "resolve", actor=actor, channel=_ticket_channel(channel), comment=text)
            ticket_actions.transition(ticket, "close", actor=actor, channel=_ticket_channel(channel))
    except ActionError as refused:
        log.warning("Change %s ended; its ticket %s stays open: %s", change.pk, ticket.number, refused.message)


def _route(change: ChangeRecord):
    route = ApprovalRoute.objects.select_related("policy").filter(kind=change.kind).first()
    if route is None:
        raise ActionError(_("No approval policy is set for %(kind)s changes; an administrator sets one under "
                            "“Change approval policies”.") % {"kind": change.get_kind_display().lower()})
    return route.policy


@transaction.atomic
def move(change: ChangeRecord | int, action: str, *, actor: User, channel: str, note: str = "",
         expected_version: int | None = None) -> ChangeRecord:
    """Take one of MOVES. Submitting schedules a standard change (pre-approved) and asks for approval of a
    normal or emergency one, by the policy set for its kind. Completing records the outcome (`note`), closing
    the review's; cancelling withdraws a pending approval and calls off the service notice."""
    if action not in MOVES:
        raise ActionError(_("Unknown action: %(action)s") % {"action": action})
    change = lock_change(change, actor, expected_version)
    sources, target = MOVES[action]
    if change.state not in sources:
        raise ActionError(_("A change that is “%(state)s” cannot be moved on this way.")
                          % {"state": change.get_state_display()})
    note = _text(note, 500) or ""
    if action == "submit":
        _check_ready(change)
        if change.kind == Kind.STANDARD:
            _schedule(change, actor=actor, channel=channel, note=note)
        else:
            change.approval = approvals.request_approval(change.ticket, policy=_route(change), actor=actor,
                                                         channel=channel)
            change.state = State.AWAITING_APPROVAL
            _save(change, ["state", "approval"])
            _record_state(change, State.DRAFT, actor=actor, channel=channel, note=note)
        _announce(change, actor, change.state)
        return change
    old = change.state
    if action == "cancel":
        if old == State.AWAITING_APPROVAL and change.approval is not None and change.approval.state == "pending":
            approvals.cancel(change.approval, actor=actor, channel=channel)
        _end_notice(change, channel)
    if action in ("complete", "close") and note:
        change.outcome = "\n\n".join(part for part in (change.outcome, note) if part)
    change.state = target
    _save(change, ["state", "outcome"])
    _record_state(change, old, actor=actor, channel=channel, note=note)
    if target in ENDINGS:
        _end_ticket(change, actor=actor, channel=channel, note=note)
    _announce(change, actor, change.state)
    return change


@transaction.atomic
def approval_decided(request, outcome: str) -> ChangeRecord | None:
    """The approval engine decided (approvals.signals.approval_decided, after its commit): an approved change is
    scheduled, a rejected one rejected. Moved by the desk's system identity; the decision itself, with who
    made it, is the approval's."""
    change = ChangeRecord.objects.filter(approval_id=request.pk).first()
    if change is None:
        return None
    actor = system_user()
    change = lock_change(change, actor)
    if change.state != State.AWAITING_APPROVAL:
        return change
    if outcome == "approved":
        _schedule(change, actor=actor, channel=audit.Channel.SYSTEM)
    elif outcome == "rejected":
        change.state = State.REJECTED
        _save(change, ["state"])
        _record_state(change, State.AWAITING_APPROVAL, actor=actor, channel=audit.Channel.SYSTEM)
        _end_ticket(change, actor=actor, channel=audit.Channel.SYSTEM, note="")
    else:
        return change
    _announce(change, actor, change.state)
    return change
