"""What the desk promises a customer about a ticket: when it will respond (and resolve), and within how
long. The acknowledgement mail and the canned responses' placeholders both read it here, so the
customer reads the same time in both.

The first response and resolution targets of the ticket's SLA policy; when no policy matches, the
response falls back to the configured default for the ticket's priority
(``SERVICEDESK_NOTIFY_DEFAULT_RESPONSE_MINUTES``), in business time of the default calendar if there
is one, else in plain time. Without a policy there is no resolution promise.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Promise:
    due_at: datetime.datetime
    minutes: int  # the target: business minutes with a calendar, plain minutes without
    from_policy: bool


@dataclass(frozen=True)
class Promises:
    response: Promise
    resolution: Promise | None


def promises(ticket, at: datetime.datetime | None = None) -> Promises:
    """The ticket's promises as they stood at ``at`` (default: now)."""
    from servicedesk.sla.calendars import business_calendar
    from servicedesk.sla.clocks import sla_state
    from servicedesk.sla.models import Calendar

    try:
        state = sla_state(ticket, now=at)
    except Exception:  # a calendar without working time: fall back rather than promise nothing
        log.exception("SLA state of %s could not be computed", ticket.number)
        state = None
    if state is not None:
        return Promises(
            Promise(state.first_response.due_at, state.first_response.target_minutes, True),
            Promise(state.resolution.due_at, state.resolution.target_minutes, True),
        )
    defaults = getattr(settings, "SERVICEDESK_NOTIFY_DEFAULT_RESPONSE_MINUTES", {})
    minutes = int(defaults.get(ticket.priority, defaults.get(str(ticket.priority), 480)))
    calendar = Calendar.objects.filter(is_default=True).first()
    if calendar is not None:
        try:
            due = business_calendar(calendar).add_business_time(ticket.created_at, datetime.timedelta(minutes=minutes))
            return Promises(Promise(due, minutes, False), None)
        except Exception:
            log.exception("The default calendar %s has no working time", calendar.pk)
    return Promises(Promise(ticket.created_at + datetime.timedelta(minutes=minutes), minutes, False), None)


def format_due(moment: datetime.datetime, time_zone: str) -> str:
    """A due time as a customer reads it in the active language: "2026年12月7日 18:00", "7 Dec 2026, 18:00"."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(time_zone))
    # Translators: a date and time in PHP's date() letters (Django's "date" filter): day, month, year, 24-hour time.
    return dateformat.format(local, _("j M Y, H:i"))


def format_minutes(minutes: int) -> str:
    """A target as a duration in the active language: "4 小时", "4 hours", "1 hour 30 minutes"."""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if rest or not hours:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", rest) % {"count": rest})
    return " ".join(parts)
