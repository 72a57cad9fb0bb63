"""The trend view: incidents per configuration item and per category over a window, a problem proposed where
enough incidents without one gather (five on one item in seven days by default), and one click opens the
problem from them; incidents already linked to a problem, outside the window or unseen do not count."""

import datetime

from django.test import Client
from django.utils import timezone

from servicedesk.cmdb import actions as cmdb
from servicedesk.cmdb.models import CiType
from servicedesk.problems import actions, trends
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Category, Ticket

from .conftest import CONSOLE


def _incidents(desk, n, *, item=None, category=None, title="Mail server slow"):
    made = []
    for i in range(n):
        ticket = ticket_actions.create_ticket(actor=desk.customer1, title=f"{title} {i}", category=category)
        if item is not None:
            cmdb.link_item(ticket, item, actor=desk.agent1, channel=CONSOLE)
        made.append(ticket)
    return made


def _server(desk, name="mail-01"):
    kind = CiType.objects.create(key="server", name="Server", name_zh="服务器")
    return cmdb.create_item(actor=desk.manager, channel=CONSOLE, data=cmdb.ItemInput(type=kind, name=name))


def test_five_incidents_on_one_item_in_seven_days_propose_a_problem(desk, settings):
    settings.SERVICEDESK_PROBLEM_TREND_DAYS, settings.SERVICEDESK_PROBLEM_TREND_THRESHOLD = 7, 5
    server = _server(desk)
    recent = _incidents(desk, 5, item=server)
    old = _incidents(desk, 1, item=server)
    Ticket.objects.filter(pk=old[0].pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    found = trends.trends(desk.agent1)
    (row,) = found.items
    assert (row.key, row.label, row.incidents, row.without_problem, row.proposed) == (server.pk, "mail-01", 5, 5, True)
    assert row.incident_ids == [t.pk for t in recent]
    assert found.proposals == [row]
    # Once a problem explains some of them, what is left is below the threshold.
    actions.open_problem(recent[:1], actor=desk.agent1, channel=CONSOLE)
    (row,) = trends.trends(desk.agent1).items
    assert (row.incidents, row.without_problem, row.proposed) == (5, 4, False)
    # A longer window or a lower threshold proposes it again.
    assert trends.trends(desk.agent1, days=10).items[0].proposed
    assert trends.trends(desk.agent1, threshold=4).items[0].proposed


def test_categories_are_counted_and_customers_see_no_trends(desk, settings):
    settings.SERVICEDESK_PROBLEM_TREND_THRESHOLD = 3
    category = Category.objects.filter(is_active=True).first()
    _incidents(desk, 3, category=category)
    _incidents(desk, 2)
    rows = trends.trends(desk.agent1).categories
    assert [(r.key, r.incidents, r.proposed) for r in rows] == [(category.pk, 3, True), (None, 2, False)]
    assert trends.trends(desk.customer1).categories == []  # their own incidents are no desk trend


def test_one_click_opens_the_problem_from_the_proposal(desk, settings):
    settings.SERVICEDESK_PROBLEM_TREND_THRESHOLD = 5
    server = _server(desk, "vpn-gw")
    recent = _incidents(desk, 5, item=server, title="VPN down")
    lead = Client(HTTP_ACCEPT_LANGUAGE="en")
    lead.force_login(desk.lead1)
    page = lead.get("/console/problems/trends/").content.decode()
    assert "vpn-gw" in page and "从这 5 个事件创建问题" in page  # lead1 reads Chinese
    assert lead.get("/console/problems/trends/?days=0").status_code == 400  # refused, still answered
    ids = " ".join(str(t.pk) for t in recent)
    response = lead.post("/console/problems/new/", {"incidents": ids, "back": "/console/problems/trends/"})
    record = ProblemRecord.objects.get()
    assert response["Location"] == f"/console/problems/{record.ticket.number}/"
    assert set(actions.linked_incidents(record)) == set(recent)
    assert "创建问题</button>" not in lead.get("/console/problems/trends/").content.decode()
