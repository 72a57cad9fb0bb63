"""Applying routing rules and auto-assignment, on creation and on demand.

On creation (the `ticket_created` hook of `servicedesk.tickets.actions`, inside the creating
transaction) the rules act as the desk's system identity (accounts.identity): history entries on
channel "system" with a note naming the rule. Choices the desk staff made when they created the
ticket are kept: a rule does not re-route, re-classify or re-own a ticket an agent filed with those
fields set. On demand (`route_ticket`, the API's POST /tickets/{id}/route) the agent who asked is
the actor.

A rule whose action the desk refuses (an inactive group, a person not in the group...) is skipped,
its changes undone, and the history says why; it never stops a ticket from being created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.tickets import actions, history_notes, permissions
from servicedesk.tickets.models import Channel, Ticket

from . import actions as routing_actions
from . import assignment, refdata
from .models import RoutingRule, Tag

PRIORITY_FIELDS = frozenset({"impact", "urgency", "priority"})
# CJK ideographs (BMP and the supplementary planes) tell Chinese text apart when a profile has no language.
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass
class Applied:
    rule: RoutingRule
    changed: list[str]  # field names, and "tags"


@dataclass
class Failed:
    rule: RoutingRule
    message: str


@dataclass
class RoutingResult:
    ticket: Ticket
    applied: list[Applied] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    assignment: str = ""  # how auto-assignment chose, or why it found nobody


def rule_note(rule: RoutingRule) -> str:
    return history_notes.routing_rule_note(rule.name)


def active_rules() -> list[RoutingRule]:
    """Cached (routing.refdata), current with the last committed change of a rule or what it names."""
    return refdata.routing_rules()


def ticket_language(ticket: Ticket) -> str:
    """The requester's language; without one in their profile, Chinese when the text has Chinese in it."""
    language = ticket.requester.language
    if language:
        return language
    if CJK.search(f"{ticket.title}\n{ticket.description}"):
        return next((code for code, _name in settings.LANGUAGES if code.startswith("zh")), settings.LANGUAGE_CODE)
    return settings.LANGUAGE_CODE


def matches(rule: RoutingRule, ticket: Ticket) -> bool:
    """Whether every condition the rule gives holds for the ticket as it is now."""
    if rule.channels and ticket.channel not in rule.channels:
        return False
    if rule.ticket_types and ticket.type not in rule.ticket_types:
        return False
    categories = {c.pk for c in rule.categories.all()}
    if categories and (ticket.category_id is None or (
            ticket.category_id not in categories and ticket.category.parent_id not in categories)):
        return False
    organisations = {o.pk for o in rule.organisations.all()}
    if organisations and ticket.organisation_id not in organisations:
        return False
    desks = {d.pk for d in rule.desks.all()}
    if desks and ticket.desk_id not in desks:
        return False
    if rule.languages and ticket_language(ticket) not in rule.languages:
        return False
    words = rule.keyword_list
    if words:
        text = f"{ticket.title}\n{ticket.description}".casefold()
        if not any(word.casefold() in text for word in words):
            return False
    return True


def _changes(rule: RoutingRule, ticket: Ticket, protected: frozenset[str]) -> dict:
    changes: dict = {}
    if rule.set_category_id and "category" not in protected and rule.set_category_id != ticket.category_id:
        changes["category"] = rule.set_category
    if not PRIORITY_FIELDS & protected:
        if rule.set_impact is not None and rule.set_impact != ticket.impact:
            changes["impact"] = rule.set_impact
        if rule.set_urgency is not None and rule.set_urgency != ticket.urgency:
            changes["urgency"] = rule.set_urgency
        if rule.set_priority is not None and (PRIORITY_FIELDS & set(changes) or rule.set_priority != ticket.priority):
            changes["priority"] = rule.set_priority
    if rule.set_owner_id and "owner" not in protected and rule.set_owner_id != ticket.owner_id:
        changes["owner"] = rule.set_owner
    if rule.set_group_id and not {"group", "assignee"} & protected and rule.set_group_id != ticket.group_id:
        changes["group"] = rule.set_group
    return changes


def _apply(rule: RoutingRule, ticket: Ticket, actor: User, channel: str,
           protected: frozenset[str]) -> tuple[Ticket, list[str]]:
    changed: list[str] = []
    changes = _changes(rule, ticket, protected)
    if changes:
        before = {name: getattr(ticket, f"{name}_id" if name in ("category", "owner", "group") else name)
                  for name in changes}
        ticket = actions.update_ticket(ticket.pk, actor=actor, channel=channel, changes=changes,
                                       note=rule_note(rule))
        changed = [name for name, old in before.items()
                   if getattr(ticket, f"{name}_id" if name in ("category", "owner", "group") else name) != old]
    ticket, added = routing_actions.tag_ticket(ticket, list(rule.add_tags.all()), rule=rule, actor=actor,
                                               channel=channel)
    if added:
        changed.append("tags")
    return ticket, changed


def _auto_assign(result: RoutingResult, actor: User, channel: str) -> None:
    ticket = result.ticket
    answer = assignment.choose(ticket, ticket.group)
    if answer is None:
        return
    person, why = answer
    result.assignment = why
    if person is not None:
        result.ticket = actions.update_ticket(ticket.pk, actor=actor, channel=channel, changes={"assignee": person},
                                              note=why)
    else:
        result.ticket = actions.record_event(ticket.pk, actor=actor, channel=channel, event="auto_assignment",
                                             note=why, internal=True)


def run_rules(ticket: Ticket, *, actor: User, channel: str,
              protected: frozenset[str] = frozenset()) -> RoutingResult:
    """Try the active rules in order on `ticket`, then auto-assign it inside its group if it has no
    person yet. Call inside a transaction. `protected`: fields the rules must leave as they are."""
    result = RoutingResult(ticket)
    rerouted = False
    for rule in active_rules():
        if not matches(rule, result.ticket):
            continue
        try:
            with transaction.atomic():
                ticket, changed = _apply(rule, result.ticket, actor, channel, protected)
        except actions.ActionError as exc:
            result.failed.append(Failed(rule, exc.message))
            result.ticket = actions.record_event(
                result.ticket.pk, actor=actor, channel=channel, event="routing_failed", internal=True,
                note=f"{rule_note(rule)}: {exc.message}",
            )
        else:
            result.ticket = ticket
            result.applied.append(Applied(rule, changed))
            rerouted = rerouted or "group" in changed
        if rule.stop:
            break
    ticket = result.ticket
    # A rule that re-routed the ticket already auto-assigned it (the `assignee_wanted` hook of the routing).
    if ticket.group_id and ticket.assignee_id is None and not rerouted and "assignee" not in protected:
        try:
            with transaction.atomic():
                _auto_assign(result, actor, channel)
        except actions.ActionError as exc:
            result.assignment = exc.message
    return result


@transaction.atomic
def route_ticket(ticket: Ticket | int, *, actor: User, channel: str = Channel.API,
                 expected_version: int | None = None) -> RoutingResult:
    """Apply the routing rules to an existing ticket now, as `actor` (desk staff who may edit it)."""
    locked = actions.lock_ticket(ticket, actor, expected_version)
    if not permissions.can_edit_fields(actor, locked):
        raise actions.NotAllowed(_("Only desk staff may route tickets."))
    if not locked.is_open:
        raise actions.ActionError(
            _("Only open tickets are routed; this one is %(status)s.") % {"status": locked.get_status_display()}
        )
    return run_rules(locked, actor=actor, channel=channel)


def tags_of(ticket: Ticket) -> list[Tag]:
    return list(Tag.objects.filter(ticket_tags__ticket=ticket).order_by("name"))


# ---------------------------------------------------------------------------------------------
# Hooks (connected in apps.RoutingConfig.ready)


def on_ticket_created(sender, ticket: Ticket, actor: User, given: frozenset[str], **kwargs) -> None:
    """Route a new ticket as the system. What desk staff chose when filing it (and their ownership) stays."""
    protected = (given | {"owner"}) if actor.is_desk_staff else frozenset()
    result = run_rules(ticket, actor=system_user(), channel=Channel.SYSTEM, protected=frozenset(protected))
    if result.ticket is not ticket:
        ticket.refresh_from_db()


def on_assignee_wanted(sender, ticket: Ticket, group, **kwargs):
    """A ticket is being routed to `group` without a person: the group's strategy may pick one."""
    return assignment.choose(ticket, group)
