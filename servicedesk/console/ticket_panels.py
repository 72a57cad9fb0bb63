"""Which of the ticket page's parts have rows for a ticket, asked in one statement.

The console's panels (major incident, configuration items, announcements, problem, satisfaction) each read
their rows with a query or three, and the page's own lists (links, time log, watchers, attachments, tags)
one each; most tickets have none of them, and those reads were a third of the page's time.
One statement of EXISTS tests, by primary and foreign keys, says which parts have something to read;
the others read nothing more. Kept on the ticket object for the page's request. Another app's panel (the
satisfaction surveys', which may not import the console) is included by the console's side column only when
its row test says so (the `has_panel` filter).
"""

from __future__ import annotations

import functools

from django.db import connection
from django.utils import timezone

from servicedesk.announcements.models import Announcement, TicketAnnouncement
from servicedesk.cmdb.models import ConfigItem, ItemStatus, TicketItem
from servicedesk.major.models import MajorIncident, State
from servicedesk.problems.models import ProblemRecord
from servicedesk.routing.models import TicketTag
from servicedesk.surveys.models import SurveyResponse
from servicedesk.tickets.models import Attachment, LinkKind, Ticket, TicketLink, TimeEntry

# The ticket's own rows, then the desk's: any active major incident (but this ticket's), any current announcement.
NAMES = ("major", "child_of", "items", "devices", "notices", "problem", "caused_by", "surveys",
         "links", "time", "watchers", "attachments", "tags", "active_majors", "announcements")


@functools.cache  # the default database (its quoting) is the same for the whole process
def _sql() -> str:
    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    link = table(TicketLink)
    tests = [
        f"SELECT 1 FROM {table(MajorIncident)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {link} WHERE source_id = %(t)s AND kind = '{LinkKind.CHILD_OF.value}'",
        f"SELECT 1 FROM {table(TicketItem)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {table(ConfigItem)} WHERE user_id = %(r)s AND status <> '{ItemStatus.RETIRED.value}'",
        f"SELECT 1 FROM {table(TicketAnnouncement)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {table(ProblemRecord)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {link} l JOIN {table(ProblemRecord)} p ON p.ticket_id = l.target_id "
        f"WHERE l.source_id = %(t)s AND l.kind = '{LinkKind.CAUSED_BY.value}'",
        f"SELECT 1 FROM {table(SurveyResponse)} WHERE ticket_id = %(t)s AND rating IS NOT NULL",
        f"SELECT 1 FROM {link} WHERE source_id = %(t)s UNION ALL SELECT 1 FROM {link} WHERE target_id = %(t)s",
        f"SELECT 1 FROM {table(TimeEntry)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {table(Ticket.watchers.through)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {table(Attachment)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {table(TicketTag)} WHERE ticket_id = %(t)s",
        f"SELECT 1 FROM {table(MajorIncident)} WHERE state = '{State.ACTIVE.value}' AND ticket_id <> %(t)s",
        f"SELECT 1 FROM {table(Announcement)} WHERE ends_at IS NULL OR ends_at > %(now)s",
    ]
    return "SELECT " + ", ".join(f"EXISTS ({test})" for test in tests)


def has(ticket: Ticket, panel: str) -> bool:
    """Whether the ticket has rows for `panel` (one of NAMES); the first call asks for every panel."""
    found = getattr(ticket, "_panel_rows", None)
    if found is None:
        with connection.cursor() as cursor:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(_sql(), {"t": ticket.pk, "r": ticket.requester_id, "now": now})
            found = frozenset(name for name, yes in zip(NAMES, cursor.fetchone(), strict=True) if yes)
        ticket._panel_rows = found
    return panel in found
