"""The clocks on the console: ticket header, the Due column, and the Breaching soon queue."""

import re

import pytest
from django.utils import timezone

from servicedesk.console import clocks
from servicedesk.sla.models import Calendar, SlaPolicy, SlaTarget
from servicedesk.sla.tracking import recompute_ticket
from servicedesk.tickets import actions

ALL_WEEK = {str(day): [["00:00", "00:00"]] for day in range(7)}  # end <= start: over midnight, all day


@pytest.fixture
def round_the_clock(desk):
    """A 24×7 policy for urgent tickets that goes first: response in 30 min, resolution in 4 h."""
    calendar = Calendar.objects.create(name="24x7", time_zone="UTC", weekly=ALL_WEEK)
    return SlaPolicy.objects.create(name="Urgent 24x7", order=0, calendar=calendar, priorities=[1],
                                    first_response_minutes=30, resolution_minutes=240)


@pytest.fixture(autouse=True)
def english(desk):
    """The words are checked in English (lead1 and agent2 read Chinese in the demo)."""
    for user in (desk.lead1, desk.agent2):
        user.language = "en"
        user.save()


def urgent(desk, title="Core switch down"):
    ticket = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title=title, channel="portal",
                                   impact=1, urgency=1)
    recompute_ticket(ticket.pk)
    return ticket


def test_ticket_header_shows_each_clock(client, desk, round_the_clock):
    ticket = urgent(desk)
    response_row = SlaTarget.objects.get(ticket=ticket, key="response")
    client.force_login(desk.agent1)
    body = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    due = timezone.localtime(response_row.due_at).strftime("%Y-%m-%d %H:%M")
    header = body[body.index('class="clocks"'):]
    assert "First response" in header and "Resolution" in header and due in header
    assert re.search(r"(29|30) min left", header)
    assert header.count("clock clock-ok") == 2  # both clocks have almost all their time left


def test_queue_due_column_and_breaching_soon(client, desk, round_the_clock):
    soon = urgent(desk, "Core switch down")
    calm = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="New monitor please",
                                 channel="portal", type="service_request")
    recompute_ticket(calm.pk)
    client.force_login(desk.lead1)
    page = client.get("/console/queues/all/").content.decode()
    row = page[page.index(soon.number):].split("</tr>")[0]
    assert "clock-ok" in row and "min left" in row
    breaching = client.get("/console/queues/breaching/")
    numbers = re.findall(r">(SD-\d{6})</a></td>", breaching.content.decode())
    assert soon.number in numbers and calm.number not in numbers
    assert "First response · " in breaching.content.decode()
    # Due in 5 minutes: first in the queue, amber; overdue clocks leave it (they are red in "Due").
    SlaTarget.objects.filter(ticket=soon, key="response").update(due_at=timezone.now() + timezone.timedelta(minutes=5))
    body = client.get("/console/queues/breaching/").content.decode()
    first = re.findall(r">(SD-\d{6})</a></td>", body)[0]
    assert first == soon.number and "clock-soon" in body and re.search(r"[45] min left", body)
    counts = dict(client.get("/console/queue-counts/").context["counts"])
    assert counts["breaching"] == "1"  # the response; the 4-hour resolution is outside the window
    SlaTarget.objects.filter(ticket=soon, key="response").update(due_at=timezone.now() - timezone.timedelta(minutes=5))
    assert soon.number not in client.get("/console/queues/breaching/").content.decode()
    row = client.get("/console/queues/all/").content.decode()
    row = row[row.index(soon.number):].split("</tr>")[0]
    assert "clock-breached" in row and re.search(r"[45] min over", row)


def test_breaching_soon_is_an_agents_own_scope(client, desk, round_the_clock):
    ticket = urgent(desk)
    client.force_login(desk.agent2)  # 2nd/3rd line: the intake ticket is not theirs
    assert ticket.number not in client.get("/console/queues/breaching/").content.decode()
    actions.assign(ticket, actor=desk.agent1, group=desk.second_line)
    recompute_ticket(ticket.pk)
    assert ticket.number in client.get("/console/queues/breaching/").content.decode()


def test_duration_words():
    assert clocks.duration_text(timezone.timedelta(minutes=45)) == "45 min"
    assert clocks.duration_text(timezone.timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert clocks.duration_text(timezone.timedelta(days=3, hours=4)) == "3 d 4 h"
    assert clocks.duration_text(-timezone.timedelta(minutes=7)) == "7 min"


def test_clocks_in_chinese(client, desk, round_the_clock):
    ticket = urgent(desk)
    desk.lead1.language = "zh-hans"
    desk.lead1.save()
    client.force_login(desk.lead1)
    body = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "首次响应" in body and re.search(r"剩余 (29|30) 分钟", body)
    assert "即将超时" in client.get("/console/queues/breaching/").content.decode()
