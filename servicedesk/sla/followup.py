"""Follow-up (seed 003 step 5: "谁接线谁负责跟踪到底"): the owner of a routed ticket follows it to the end.

Every owner gets at most one digest a day, at or after ``SERVICEDESK_FOLLOW_UP_HOUR`` (setting, default 9; local time:
the owner's time zone, else the desk's, else ``TIME_ZONE``), listing their *overdue follow-ups*:

* the ticket is open and has an owner;
* it is *routed*: its assignee is not the owner (assigned to another person, or only to a group);
* its SLA policy has a follow-up interval, and the ticket has had no update (``updated_at``) for at
  least that interval in business time of the policy's calendar.

Each group lead gets, in a second digest (``as_lead=True``), the overdue follow-ups of the tickets
assigned to the groups they lead. A digest is recorded (FollowUpDigest, unique per recipient, local
day and role) before it is sent, so retries and concurrent runs send it once; nothing is recorded or
sent when the list is empty, so a ticket that becomes overdue later that day still makes that day's
digest.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.sla.calendars import business_calendar
from servicedesk.sla.clocks import policy_for
from servicedesk.sla.models import FollowUpDigest, SlaPolicy
from servicedesk.sla.signals import follow_up_digest
from servicedesk.tickets.models import OPEN_STATUSES, Ticket


def overdue_follow_ups(now: datetime | None = None, policies=None) -> list[Ticket]:
    """Every open, routed ticket with an owner and no update for its policy's follow-up interval."""
    now = now or timezone.now()
    if policies is None:
        policies = list(SlaPolicy.objects.filter(is_active=True).select_related("calendar").order_by("order", "id"))
    intervals = [p.follow_up_minutes for p in policies if p.follow_up_minutes]
    if not intervals:
        return []
    # Business minutes never exceed wall-clock minutes: a cheap bound before the exact test.
    cutoff = now - timedelta(minutes=min(intervals))
    candidates = (
        Ticket.objects.filter(status__in=OPEN_STATUSES, owner__isnull=False, updated_at__lte=cutoff)
        .filter(Q(assignee__isnull=True) | ~Q(assignee=F("owner")))
        .select_related("owner", "group", "group__lead", "assignee", "category", "desk")
        .order_by("updated_at", "id")
    )
    overdue = []
    for ticket in candidates:
        policy = policy_for(ticket, policies)
        if policy is None or not policy.follow_up_minutes:
            continue
        calendar = business_calendar(policy.calendar)
        if calendar.business_time_between(ticket.updated_at, now) >= timedelta(minutes=policy.follow_up_minutes):
            overdue.append(ticket)
    return overdue


def _local_now(user: User, desk_zone: str | None, now: datetime) -> datetime:
    for name in (user.time_zone, desk_zone, settings.TIME_ZONE):
        if name:
            try:
                return now.astimezone(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return now


def _claim(recipient: User, day, as_lead: bool, count: int, now: datetime) -> bool:
    try:
        with transaction.atomic():
            FollowUpDigest.objects.create(recipient=recipient, day=day, as_lead=as_lead, ticket_count=count,
                                          sent_at=now)
    except IntegrityError:
        return False
    return True


def send_digests(now: datetime | None = None) -> list[FollowUpDigest]:
    """Send today's digests that are due and not sent yet; returns the digests recorded by this call."""
    now = now or timezone.now()
    hour = getattr(settings, "SERVICEDESK_FOLLOW_UP_HOUR", 9)
    by_owner: dict[int, list[Ticket]] = defaultdict(list)
    by_lead: dict[int, list[Ticket]] = defaultdict(list)
    people: dict[int, tuple[User, str | None]] = {}
    for ticket in overdue_follow_ups(now):
        by_owner[ticket.owner_id].append(ticket)
        people[ticket.owner_id] = (ticket.owner, ticket.desk.time_zone)
        if ticket.group_id and ticket.group.lead_id:
            by_lead[ticket.group.lead_id].append(ticket)
            people.setdefault(ticket.group.lead_id, (ticket.group.lead, ticket.desk.time_zone))
    sent = []
    for as_lead, lists in ((False, by_owner), (True, by_lead)):
        for user_id, tickets in lists.items():
            user, desk_zone = people[user_id]
            if not user.is_active:
                continue
            local = _local_now(user, desk_zone, now)
            if local.hour < hour:
                continue
            if not _claim(user, local.date(), as_lead, len(tickets), now):
                continue
            sent.append(FollowUpDigest(recipient=user, day=local.date(), as_lead=as_lead, ticket_count=len(tickets)))
            transaction.on_commit(
                lambda user=user, tickets=tickets, as_lead=as_lead: follow_up_digest.send_robust(
                    sender=FollowUpDigest, recipient=user, tickets=tickets, as_lead=as_lead)
            )
    return sent
