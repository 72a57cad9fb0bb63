"""What notification templates see: plain values (no model objects), already in the recipient's
language and time zone. The same shapes build the sample that checks administrators' templates.

Every event: ``desk_name``, ``recipient`` {name, is_staff}; ticket events also ``ticket`` {number,
title, status, priority, type, group, assignee, requester, description, url}, as they stood at the
event the mail reports (not as they are when it is written or sent). Per event:

- acknowledgement: ``response_due`` (text), ``response_minutes``, ``response_from_policy``
- solved_on_contact: ``comment`` {author, body} (the solution given), ``channel`` (how the contact came in)
- public_reply: ``comment`` {author, body}, ``status_change`` (or empty)
- status_changed: ``status_change`` {old, new, code, pending_reason}, ``comment`` (or empty)
- resolved: ``comment`` (or empty), ``confirm_url``, ``reopen_url`` (empty for all but the requester), ``survey``
  {question, links: [{rating, url}] one signed link per rating 1–5} (for the requester only, else empty)
- assigned_agent / assigned_group: ``group``, ``assignee``, ``note`` (staff only, or empty)
- sla_warning / sla_breach: ``sla`` {target, percent, due, group}
- follow_up_digest: ``tickets`` [{number, title, status, group, assignee, updated, url}], ``as_lead``, ``count``
- announcement (no ticket): ``announcement`` {kind, title, body, starts, ends, resolved_early, services, url},
  ``reason`` ("new", "updated" or "ended")
- major_incident: ``major`` {reason, declared_by, declared_at, respond_within, ack_url, escalated} (servicedesk.major)
- survey_low_rating: ``survey`` {rating, comment, resolution, follow_up_url} (servicedesk.surveys)
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from servicedesk.tickets.models import Channel, PendingReason, Priority, Status, TicketType

from .models import Event


def desk_name(ticket=None) -> str:
    if ticket is not None and ticket.desk_id and ticket.desk.name:
        return ticket.desk.name
    return settings.SERVICEDESK_NAME or _("Service Desk")


def person_name(user) -> str:
    if user is None:
        return ""
    return user.display_name


def language_for(code: str | None, desk=None) -> str:
    """A language the desk writes in: the person's, else the desk's, else the default."""
    available = {code.lower() for code, _name in settings.LANGUAGES}
    for candidate in (code, getattr(desk, "language", None), settings.LANGUAGE_CODE, "en"):
        if candidate and candidate.lower() in available:
            return candidate.lower()
    return "en"


def time_zone_for(user, desk=None) -> str:
    return (user.time_zone if user is not None else "") or getattr(desk, "time_zone", "") or settings.TIME_ZONE


def ticket_url(ticket, *, staff: bool) -> str:
    name = "console:ticket" if staff else "portal:request"
    return settings.SERVICEDESK_BASE_URL + reverse(name, args=[ticket.number])


def format_when(moment: datetime.datetime, time_zone: str) -> str:
    """A date and time as the recipient reads it (their language is active), with the zone named."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(time_zone))
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({time_zone})"


def status_label(code: str) -> str:
    try:
        return str(Status(code).label)
    except ValueError:
        return code


def ticket_context(ticket, *, staff: bool) -> dict:
    return {
        "number": ticket.number,
        "title": ticket.title,
        "status": status_label(ticket.status),
        "priority": str(Priority(ticket.priority).label),
        "type": str(TicketType(ticket.type).label),
        "group": ticket.group.name if ticket.group_id else "",
        "assignee": person_name(ticket.assignee) if ticket.assignee_id else "",
        "requester": person_name(ticket.requester),
        "description": ticket.description,
        "url": ticket_url(ticket, staff=staff),
    }


def status_change_context(old: str, new: str, pending_reason: str = "") -> dict:
    reason = ""
    if pending_reason:
        try:
            reason = str(PendingReason(pending_reason).label)
        except ValueError:
            reason = pending_reason
    return {"old": status_label(old), "new": status_label(new), "code": new, "pending_reason": reason}


def sla_target_label(target: str) -> str:
    return {
        "response": _("first response target"),
        "resolution": _("resolution target"),
        "ola": _("operational level target"),
    }.get(target, target)


def sample_context(event: str) -> dict:
    """A full context of the event with made-up values, to check that a template renders."""
    now = timezone.now()
    with translation.override(translation.get_language() or "en"):
        ticket = {
            "number": "SD-000123", "title": _("The printer on floor 3 does not print"),
            "status": status_label(Status.IN_PROGRESS), "priority": str(Priority.HIGH.label),
            "type": str(TicketType.INCIDENT.label), "group": "Service Desk (1st line)", "assignee": "Alex Chen",
            "requester": "Grace Hopper", "description": _("Nothing comes out since this morning."),
            "url": settings.SERVICEDESK_BASE_URL + "/portal/requests/SD-000123/",
        }
        comment = {"author": "Alex Chen", "body": _("Please switch the printer off and on again.")}
        common = {"desk_name": desk_name(), "recipient": {"name": "Grace Hopper", "is_staff": False}, "ticket": ticket}
        change = status_change_context(Status.IN_PROGRESS, Status.PENDING, PendingReason.CUSTOMER)
        per_event = {
            Event.ACKNOWLEDGEMENT: {"response_due": format_when(now, "Asia/Shanghai"), "response_minutes": 240,
                                    "response_from_policy": True},
            Event.SOLVED_ON_CONTACT: {"comment": comment, "channel": str(Channel.PHONE.label)},
            Event.PUBLIC_REPLY: {"comment": comment, "status_change": change},
            Event.STATUS_CHANGED: {"status_change": change, "comment": comment},
            Event.RESOLVED: {"comment": comment, "confirm_url": ticket["url"] + "#confirm-heading",
                             "reopen_url": ticket["url"] + "#reopen_comment",
                             "survey": {"question": _("How satisfied are you with how we solved your request?"),
                                        "links": [{"rating": rating, "url": f"{settings.SERVICEDESK_BASE_URL}"
                                                                            f"/survey/sample-{rating}/"}
                                                  for rating in range(1, 6)]}},
            Event.ASSIGNED_AGENT: {"group": ticket["group"], "assignee": ticket["assignee"],
                                   "note": _("Check the toner first.")},
            Event.ASSIGNED_GROUP: {"group": ticket["group"], "assignee": "", "note": _("Check the toner first.")},
            Event.SLA_WARNING: {"sla": {"target": sla_target_label("response"), "percent": 75,
                                        "due": format_when(now, "Asia/Shanghai"), "group": ""}},
            Event.SLA_BREACH: {"sla": {"target": sla_target_label("resolution"), "percent": 100,
                                       "due": format_when(now, "Asia/Shanghai"), "group": "Applications (3rd line)"}},
            Event.MAJOR_INCIDENT: {"major": {"reason": _("Nothing prints on any floor."), "declared_by": "Alex Chen",
                                             "declared_at": format_when(now, "Asia/Shanghai"), "respond_within": 15,
                                             "ack_url": settings.SERVICEDESK_BASE_URL + "/major/ack/1:sample/",
                                             "escalated": False}},
            Event.APPROVAL: {"approval": {"policy": _("Manager approval"), "requester": "Grace Hopper", "step": 1,
                                          "reminder": False, "deadline": format_when(now, "Asia/Shanghai"),
                                          "on_behalf_of": "",
                                          "approve_url": settings.SERVICEDESK_BASE_URL
                                          + "/approvals/link/1:sample/?outcome=approve",
                                          "reject_url": settings.SERVICEDESK_BASE_URL
                                          + "/approvals/link/1:sample/?outcome=reject"}},
            Event.SURVEY_LOW_RATING: {"survey": {"rating": 2, "comment": _("It took three days."), "resolution": 1,
                                                 "follow_up_url": ticket["url"] + "#survey"}},
        }
        if event == Event.FOLLOW_UP_DIGEST:
            return {
                "desk_name": common["desk_name"], "recipient": {"name": "Alex Chen", "is_staff": True},
                "as_lead": False, "count": 1,
                "tickets": [{**{k: ticket[k] for k in ("number", "title", "status", "group", "assignee")},
                             "updated": format_when(now, "Asia/Shanghai"),
                             "url": settings.SERVICEDESK_BASE_URL + "/console/tickets/SD-000123/"}],
            }
        if event == Event.ANNOUNCEMENT:
            return {
                "desk_name": common["desk_name"], "recipient": common["recipient"], "reason": "new",
                "announcement": {"kind": _("Outage"), "title": _("E-mail is down"), "body": _("We are on it."),
                                 "starts": format_when(now, "Asia/Shanghai"), "ends": "", "resolved_early": False,
                                 "services": "E-mail", "url": settings.SERVICEDESK_BASE_URL + "/status/"},
            }
        return {**common, **per_event.get(event, {})}
