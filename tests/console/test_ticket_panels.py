"""The ticket page's side panels ask which of them have rows in one statement; a panel without rows reads
nothing more, one with rows reads and shows them as before."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicedesk.announcements.models import Announcement, TicketAnnouncement
from servicedesk.cmdb.models import TicketItem
from servicedesk.console.ticket_panels import has
from servicedesk.major.models import MajorIncident
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets.models import Status, TicketLink

from .ticketing import make_ticket

PANEL_TABLES = [model._meta.db_table for model in (MajorIncident, TicketItem, Announcement, TicketAnnouncement,
                                                   ProblemRecord)]


def test_a_ticket_without_panel_rows_asks_once(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    client.force_login(desk.agent1)
    client.get(reverse("console:ticket", args=[ticket.number]))  # warm the per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("console:ticket", args=[ticket.number]))
    assert response.status_code == 200
    panels = [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in PANEL_TABLES)]
    assert len(panels) == 1 and panels[0].startswith("SELECT EXISTS")


def test_the_panels_with_rows_are_known(desk):
    incident = make_ticket(desk, Status.IN_PROGRESS)
    assert not any(has(incident, name) for name in ("major", "child_of", "notices", "caused_by", "announcements"))
    notice = Announcement.objects.create(title="VPN down", body="Working on it", starts_at=incident.created_at,
                                         created_by=desk.lead1)
    TicketAnnouncement.objects.create(announcement=notice, ticket=incident, linked_by=desk.lead1)
    other = make_ticket(desk, Status.IN_PROGRESS, title="VPN down for everyone")
    TicketLink.objects.create(source=incident, target=other, kind="child_of", created_by=desk.lead1)
    MajorIncident.objects.create(ticket=other, declared_by=desk.lead1, reason="All of the VPN")
    fresh = type(incident).objects.get(pk=incident.pk)  # what is known is kept on the ticket object
    assert {name for name in ("major", "child_of", "notices", "announcements", "active_majors")
            if has(fresh, name)} == {"child_of", "notices", "announcements", "active_majors"}
    assert has(type(other).objects.get(pk=other.pk), "major")
