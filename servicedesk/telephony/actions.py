"""Every change to call records, one function each (docs/architecture.md's shape): each runs in one transaction,
locks the call, checks who may (desk staff, or the desk's system identity for the CTI), writes, records the
audit trail (core.audit) and announces `call_changed` after commit.

A call's state follows from its times, not from the order its events arrive in (a CTI may send `ended` before
`answered`, or an event for a call it never offered): ended with an answer → ended, ended without one →
abandoned, a transfer after the current agent answered → transferred, answered → answered, else offered.
Wait and talk seconds are computed from the same times whenever both ends are known.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import Group, User
from servicedesk.core import audit, rows
from servicedesk.core.errors import Conflict, NotAllowed, NotFound
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Ticket

from . import numbers
from .models import QUICK_LOG_SOURCE, Call, CallEvent, Direction, Extension, State

log = logging.getLogger(__name__)

# Sent after commit: call (as saved), actor, event (a State value, "created" or "ticket_linked").
call_changed = Signal()

audit.register_events([
    ("call_offered", gettext_lazy("call offered")),
    ("ticket_linked", gettext_lazy("ticket linked")),
])


@dataclasses.dataclass
class CtiEvent:
    """One CTI event, validated at the edge (api/telephony.py); text fields empty when not sent."""

    kind: str
    event_id: str
    call_id: str
    at: datetime.datetime
    direction: str = ""
    caller: str = ""
    called: str = ""
    agent: str = ""
    queue: str = ""
    recording_url: str = ""
    to_agent: str = ""
    to_queue: str = ""


def _check_actor(actor: User) -> None:
    if not (actor.is_system_identity or actor.is_desk_staff):
        raise NotAllowed(_("Only desk staff may change call records."))


def _announce(call: Call, actor: User, event: str) -> None:
    def send() -> None:
        log.info("Call %s %s by %s", call.pk, event, actor.username)
        call_changed.send(sender=Call, call=call, actor=actor, event=event)

    transaction.on_commit(send)


def lock_call(call: Call | int, actor: User, expected_version: int | None = None) -> Call:
    _check_actor(actor)
    pk = call.pk if isinstance(call, Call) else call
    found = _locked(f"{_quoted('id')} = %s", [pk])
    if found is None:
        raise NotFound(_("No such call."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this call since you loaded it (now version %(v)s); reload it and "
                         "try again.") % {"v": found.version})
    return found


def _locked(where: str, params: list) -> Call | None:
    """The call matching `where`, its row locked. Read with core.rows: the webhook's hot path reads a call
    per event, and the ORM's statement compilation cost more than the statement."""
    found = rows.select(Call, where, params, for_update=True)
    return found[0] if found else None


def find_agent(name: str) -> User | None:
    """The desk staff member a CTI names by extension or by username."""
    name = (name or "").strip()
    if not name:
        return None
    extension = Extension.objects.filter(number=name).select_related("user").first()
    user = extension.user if extension else User.objects.filter(username=name).first()
    return user if user is not None and user.is_active and user.is_desk_staff else None


def find_group(name: str) -> Group | None:
    name = (name or "").strip()
    if not name:
        return None
    return Group.objects.filter(Q(name=name) | Q(name_zh=name), is_active=True).order_by("id").first()


def _state(call: Call) -> str:
    if call.ended_at is not None:
        return State.ENDED if call.answered_at is not None else State.ABANDONED
    if call.transferred_at is not None and (call.agent_answered_at is None
                                            or call.transferred_at >= call.agent_answered_at):
        return State.TRANSFERRED
    return State.ANSWERED if call.answered_at is not None else State.OFFERED


def _seconds(start: datetime.datetime | None, end: datetime.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _settle(call: Call) -> None:
    call.state = _state(call)
    call.wait_seconds = _seconds(call.offered_at, call.answered_at or call.ended_at)
    call.talk_seconds = _seconds(call.answered_at, call.ended_at)


def _save(call: Call, before: dict, *, actor: User, channel: str, event: str) -> Call:
    _settle(call)
    if not audit.diff(before, audit.snapshot(call, before.keys())):
        return call  # an event that says nothing new (a second offer): no new version
    call.version += 1
    call.updated_at = timezone.now()
    call.save()
    audit.record_change(call, before, actor=actor, channel=channel)
    _announce(call, actor, event)
    return call


def _enrich(call: Call, event: CtiEvent) -> None:
    """Fill what the call does not know yet from any event that says it (a CTI sends the caller with the
    offer, the recording with the end — or not, or late)."""
    if event.caller and not call.caller_number:
        call.caller_number = event.caller.strip()[:64]
        call.person = numbers.find_person(call.caller_number)
    if event.called and not call.called_number:
        call.called_number = event.called.strip()[:64]
    if event.queue and not (call.queue_group_id or call.queue_name):
        call.queue_group = find_group(event.queue)
        call.queue_name = "" if call.queue_group else event.queue.strip()[:200]
    if event.recording_url:
        call.recording_url = event.recording_url


def _offer(call: Call, event: CtiEvent) -> None:
    call.offered_at = min(call.offered_at, event.at)


def _answer(call: Call, event: CtiEvent) -> None:
    call.answered_at = event.at if call.answered_at is None else min(call.answered_at, event.at)
    if call.agent_answered_at is None or event.at >= call.agent_answered_at:
        call.agent = find_agent(event.agent) or call.agent
        call.agent_answered_at = event.at


def _transfer(call: Call, event: CtiEvent) -> None:
    if call.transferred_at is None or event.at >= call.transferred_at:
        call.transferred_at = event.at
        call.transfer_agent = find_agent(event.to_agent)
        call.transfer_group = find_group(event.to_queue)
        if call.agent_id is None:
            call.agent = find_agent(event.agent)


def _finish(call: Call, event: CtiEvent) -> None:
    call.ended_at = event.at if call.ended_at is None else min(call.ended_at, event.at)


# What each CTI event changes on its call (abandoned and ended alike set the end: the state follows the times).
STEPS = {State.OFFERED: _offer, State.ANSWERED: _answer, State.TRANSFERRED: _transfer,
         State.ABANDONED: _finish, State.ENDED: _finish}


def _apply(call: Call, event: CtiEvent, *, actor: User, channel: str) -> Call:
    """The event applied to the call its caller holds locked."""
    before = audit.snapshot(call)
    _enrich(call, event)
    STEPS[event.kind](call, event)
    return _save(call, before, actor=actor, channel=channel, event=event.kind)


def _step(call: Call | int, event: CtiEvent, kind: str, *, actor: User, channel: str) -> Call:
    with transaction.atomic():
        return _apply(lock_call(call, actor), dataclasses.replace(event, kind=kind), actor=actor, channel=channel)


def offer_call(call: Call | int, event: CtiEvent, *, actor: User, channel: str) -> Call:
    """The call reached the desk (or a queue of it) at `event.at`: the earliest offer counts."""
    return _step(call, event, State.OFFERED, actor=actor, channel=channel)


def answer_call(call: Call | int, event: CtiEvent, *, actor: User, channel: str) -> Call:
    """An agent took the call: the first answer is the call's (answer time), the latest names its agent now
    (a transfer's target answers too)."""
    return _step(call, event, State.ANSWERED, actor=actor, channel=channel)


def transfer_call(call: Call | int, event: CtiEvent, *, actor: User, channel: str) -> Call:
    """The agent passed the call on, to another agent or a group (the 2nd line): the latest transfer counts."""
    return _step(call, event, State.TRANSFERRED, actor=actor, channel=channel)


def abandon_call(call: Call | int, event: CtiEvent, *, actor: User, channel: str) -> Call:
    """The caller hung up before an agent answered (呼损). Should an answer turn up later, the call is
    ended instead: the state follows the times."""
    return _step(call, event, State.ABANDONED, actor=actor, channel=channel)


def end_call(call: Call | int, event: CtiEvent, *, actor: User, channel: str) -> Call:
    """The call ended: after an answer, talk time is known; without one, it was abandoned."""
    return _step(call, event, State.ENDED, actor=actor, channel=channel)


def _quoted(column: str) -> str:
    return connection.ops.quote_name(column)


def _by_call_id(source: str, call_id: str) -> Call | None:
    return _locked(f"{_quoted('source')} = %s AND {_quoted('external_id')} = %s", [source, call_id])


def _open_call(source: str, event: CtiEvent, *, actor: User, channel: str) -> Call:
    """The call the event is about, locked; a call first heard of now is made from the event."""
    call = _by_call_id(source, event.call_id)
    if call is not None:
        return call
    call = Call(source=source, external_id=event.call_id, offered_at=event.at,
                direction=event.direction or Direction.INBOUND)
    _enrich(call, event)
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:  # another request made it meanwhile: use theirs
        return _by_call_id(source, event.call_id)
    audit.record_event(call, "call_offered", actor=actor, channel=channel,
                       changes={"caller_number": ("", call.caller_number)} if call.caller_number else None)
    _announce(call, actor, "created")
    return call


def receive_event(source: str, event: CtiEvent, payload: dict, *, actor: User,
                  channel: str = audit.Channel.PHONE) -> tuple[Call, bool]:
    """Apply one CTI event; returns (the call, whether the event was new). An event id already stored for
    the source (a replay, a retry after a lost answer) changes nothing."""
    _check_actor(actor)
    with transaction.atomic():
        known = rows.select(CallEvent, f"{_quoted('source')} = %s AND {_quoted('event_id')} = %s",
                            [source, event.event_id])
        if known:
            return known[0].call, False
        call = _open_call(source, event, actor=actor, channel=channel)
        try:
            with transaction.atomic():
                rows.insert(CallEvent(source=source, event_id=event.event_id, kind=event.kind, call=call,
                                      at=event.at, payload=payload))
        except IntegrityError:  # the same event, delivered twice at once: the other delivery applies it
            return call, False
        return _apply(call, event, actor=actor, channel=channel), True


def link_ticket(call: Call | int, ticket: Ticket, *, actor: User, channel: str,
                expected_version: int | None = None) -> Call:
    """The ticket the call was about (the quick log's); a call whose number matched nobody takes the ticket's
    requester as its caller. A call is logged once: another ticket for it is refused."""
    with transaction.atomic():
        call = lock_call(call, actor, expected_version)
        if not actor.is_system_identity and not permissions.can_see(actor, ticket):
            raise NotFound(_("Ticket not found."))
        if call.ticket_id is not None and call.ticket_id != ticket.pk:
            raise Conflict(_("This call is logged already, as another ticket."))
        before = audit.snapshot(call)
        call.ticket = ticket
        if call.person_id is None:
            call.person_id = ticket.requester_id
        call.version += 1
        call.updated_at = timezone.now()
        call.save()
        audit.record_change(call, before, actor=actor, channel=channel)
        _announce(call, actor, "ticket_linked")
    return call


def record_logged_call(ticket: Ticket, *, actor: User, channel: str, caller_number: str = "") -> Call:
    """A call the agent logged by hand (the quick log, no CTI call to link): answered and ended by them now."""
    _check_actor(actor)
    now = timezone.now()
    with transaction.atomic():
        call = Call(source=QUICK_LOG_SOURCE, external_id=uuid.uuid4().hex, direction=Direction.INBOUND,
                    caller_number=caller_number[:64], person_id=ticket.requester_id, agent=actor,
                    offered_at=now, answered_at=now, agent_answered_at=now, ended_at=now, ticket=ticket)
        _settle(call)
        call.wait_seconds = call.talk_seconds = None  # not measured: no CTI timed this call
        call.save()
        audit.record_created(call, actor=actor, channel=channel,
                             fields=["caller_number", "person", "agent", "state", "ticket"])
        _announce(call, actor, "created")
    return call


def set_extension(user: User, number: str, *, actor: User, channel: str) -> Extension:
    """Give an agent the phone extension the CTI names them by (the admin site edits them too)."""
    _check_actor(actor)
    with transaction.atomic():
        extension = Extension.objects.select_for_update().filter(user=user).first()
        if extension is None:
            extension = Extension.objects.create(user=user, number=number)
            audit.record_created(extension, actor=actor, channel=channel)
            return extension
        before = audit.snapshot(extension)
        extension.number = number
        extension.save()
        audit.record_change(extension, before, actor=actor, channel=channel)
    return extension
