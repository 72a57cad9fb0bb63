"""The ticket page's lists most tickets lack (links, time log, watchers, attachments, tags) are asked about in
the page's one statement of row tests: a bare ticket reads none of their tables, a ticket with rows shows them."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicedesk.routing.models import Tag, TicketTag
from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Status, Ticket, TicketLink, TimeEntry

from .ticketing import make_ticket

TABLES = [model._meta.db_table for model in (TicketLink, TimeEntry, Ticket.watchers.through, Attachment, TicketTag)]


def _page(client, ticket, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("console:ticket", args=[ticket.number]))
    assert response.status_code == 200
    reads = [q["sql"] for q in captured.captured_queries if any(f'"{t}"' in q["sql"] for t in TABLES)]
    return response.content.decode(), reads, len(captured.captured_queries)


def test_a_bare_ticket_reads_none_of_the_lists(client, desk, settings, tmp_path):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    client.force_login(desk.agent1)
    client.get(reverse("console:ticket", args=[ticket.number]))  # warm the per-process caches
    _html, reads, count = _page(client, ticket, settings, tmp_path)
    assert len(reads) == 1 and reads[0].startswith("SELECT EXISTS")
    assert count <= 10


def test_a_ticket_with_every_list_reads_and_shows_them(client, desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = make_ticket(desk, Status.IN_PROGRESS, title="Scanner on floor 2")
    other = make_ticket(desk, Status.IN_PROGRESS, title="Scanner on floor 5")
    actions.add_comment(ticket, actor=desk.agent2, body="Logs attached", internal=False,
                        attachments=[SimpleUploadedFile("scan-log.txt", b"error 7")])
    actions.log_time(ticket, actor=desk.agent2, minutes=25)
    actions.set_watchers(ticket, actor=desk.agent2, add=[desk.lead1])
    TicketLink.objects.create(source=other, target=ticket, kind="related", created_by=desk.lead1)
    TicketTag.objects.create(ticket=ticket, tag=Tag.objects.create(name="scanner-fleet"))
    client.force_login(desk.agent1)
    html, reads, _count = _page(client, ticket, settings, tmp_path)
    assert reads[0].startswith("SELECT EXISTS") and len(reads) == 1 + 5
    assert "scan-log.txt" in html and other.number in html and "scanner-fleet" in html
    assert "25" in html and desk.lead1.display_name in html
