"""The console's reports: the landing page, the dashboard's figures and charts, the drill-down to the tickets
behind a figure, scoping (an agent sees their own figures only) and bad parameters, in both languages."""

import datetime
import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.console import reports_figures
from servicedesk.reports import facts
from servicedesk.reports.kpis import Kpi
from servicedesk.sla.models import SlaTarget
from servicedesk.tickets import actions
from servicedesk.tickets.models import Ticket

FEBRUARY = "start=2026-02-01&end=2026-02-28&tz=UTC"
NUMBER = re.compile(r">(SD-\d{6})</a></td>")


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


def ticket(desk, created: str, *, group=None, assignee=None, channel="portal") -> Ticket:
    made = actions.create_ticket(actor=desk.customer1, title=f"Ticket of {created}")
    Ticket.objects.filter(pk=made.pk).update(created_at=at(created), group=group, assignee=assignee, channel=channel)
    facts.refresh([made.pk])  # update() bypasses the receivers that keep the report facts
    return made


@pytest.fixture
def february(desk):
    """Three tickets in February 2026 (two of agent1's, one of agent2's) and one in January."""
    return {
        "first": ticket(desk, "2026-02-01 09:00", group=desk.first_line, assignee=desk.agent1, channel="phone"),
        "second": ticket(desk, "2026-02-01 15:00", group=desk.first_line, assignee=desk.agent1),
        "other": ticket(desk, "2026-02-20 10:00", group=desk.second_line, assignee=desk.agent2),
        "january": ticket(desk, "2026-01-20 10:00", group=desk.first_line, assignee=desk.agent1),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


def card(page: str, key: str) -> str:
    found = re.search(rf'<article class="card kpi" data-kpi="{key}">(.*?)</article>', page, re.S)
    assert found, key
    return found.group(1)


def figure(page: str, key: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r'<p class="kpi-figure">(.*?)</p>', card(page, key), re.S).group(1))


def drill_link(page: str, key: str) -> str:
    return html.unescape(re.search(r'<a href="([^"]+)" data-drill', card(page, key)).group(1))


def chart(fragment: str) -> dict:
    return json.loads(html.unescape(re.search(r'data-chart="([^"]+)"', fragment).group(1)))


# ---------------------------------------------------------------------------------------------
# Landing


def test_leads_and_managers_land_on_the_dashboard_agents_on_their_queue(client, desk):
    for user in (desk.manager, desk.lead1, desk.admin):
        response = signed_in(client, user).get("/", follow=True)
        assert response.redirect_chain[-1][0] == "/console/reports/", user
        assert response.status_code == 200
    response = signed_in(client, desk.agent1).get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/console/queues/mine/"


def test_every_console_page_offers_the_reports(client, desk):
    page = signed_in(client, desk.agent1).get("/console/queues/mine/").content.decode()
    assert '<a href="/console/reports/" >Reports</a>' in page


# ---------------------------------------------------------------------------------------------
# The dashboard


def test_the_dashboard_shows_each_figure_with_its_definition_chart_and_comparison(client, desk, february):
    page = signed_in(client, desk.admin).get(f"/console/reports/?{FEBRUARY}").content.decode()
    created = card(page, "tickets_created")
    assert figure(page, "tickets_created") == "3"
    assert "Tickets recorded in the period (by their creation time)" in created
    # January had one: three is +200%, neither good nor bad for a volume.
    assert '<span class="tone-neutral" data-direction="up">▲ +200%</span>' in created
    drawn = chart(created)
    assert drawn["kind"] == "bar" and len(drawn["labels"]) == 28 and drawn["values"][0] == 2
    assert drawn["texts"][0] == "2" and drawn["links"][0].endswith("&start=2026-02-01&end=2026-02-28&tz=UTC"
                                                                   "&granularity=day")
    assert "period=2026-02-01" in drawn["links"][0]
    assert (drawn["labels"][0], drawn["titles"][0]) == ("02-01", "2026-02-01")
    assert "2026-02-01 to 2026-02-28, compared with 2026-01-01 to 2026-01-31" in page


def test_the_exports_and_the_subscription_keep_the_dashboards_filters(client, desk, february):
    page = signed_in(client, desk.admin).get(f"/console/reports/?{FEBRUARY}&group={desk.first_line.pk}&by=channel")
    links = dict(re.findall(r'<a class="button" href="([^"]+)" data-export>([^<]+)</a>', page.content.decode()))
    query = (f"start=2026-02-01&amp;end=2026-02-28&amp;tz=UTC&amp;granularity=day&amp;group={desk.first_line.pk}"
             "&amp;by=channel")
    assert links == {f"/console/reports/export.xlsx?{query}": "Export to Excel",
                     f"/console/reports/export.csv?{query}": "Export to CSV",
                     f"/console/reports/subscriptions/?{query}": "Subscribe by e-mail"}
    xlsx = client.get(html.unescape(next(iter(links))))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_rate_over_nothing_is_a_dash_and_a_count_of_nothing_is_zero(client, desk, february):
    page = signed_in(client, desk.admin).get(f"/console/reports/?{FEBRUARY}").content.decode()
    # Nothing was resolved in February: the share resolved within SLA has no data, not 0 %.
    within = card(page, "resolution_in_sla")
    assert figure(page, "resolution_in_sla") == "—"
    assert "No data" in within and "data-chart" not in within and "data-drill" not in within
    assert "No comparison" not in within
    # Nothing was closed: that is a count, 0, with nothing to drill into.
    closed = card(page, "tickets_closed")
    assert figure(page, "tickets_closed") == "0" and "data-drill" not in closed
    # One phone call in February, none in January: up from 0, with no percentage of nothing.
    phone = card(page, "contacts_phone")
    assert figure(page, "contacts_phone") == "1" and "was 0" in phone and "No comparison" not in phone
    assert "NaN" not in page


def test_the_dashboard_speaks_chinese(client, desk, february):
    page = signed_in(client, desk.manager).get(f"/console/reports/?{FEBRUARY}").content.decode()
    assert "仪表板" in page and "报表" in page and "工作量" in page
    assert "2026-02-01 至 2026-02-28" in page


def test_the_pickers_keep_the_view_and_a_named_period_wins_over_old_dates(client, desk, february):
    page = signed_in(client, desk.admin).get(
        f"/console/reports/?period=last_month&start=2026-02-01&end=2026-02-28&group={desk.first_line.pk}"
        "&granularity=week").content.decode()
    today = timezone.localdate()
    first = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert f'name="start" value="{first.isoformat()}"' in page
    assert '<option value="last_month" selected>' in page
    assert f'<option value="{desk.first_line.pk}" selected>' in page
    assert '<option value="week" selected>' in page
    assert '<option value="this_month" selected>' in client.get("/console/reports/").content.decode()


def test_a_breakdown_by_group_links_each_row_to_its_tickets(client, desk, february):
    page = signed_in(client, desk.admin).get(
        f"/console/reports/?{FEBRUARY}&breakdown=tickets_created&by=group").content.decode()
    section = page[page.index('id="section-breakdown"'):]
    assert "Tickets created by Group" in section
    drawn = chart(section)
    assert drawn["kind"] == "hbar" and drawn["values"] == [2, 1]
    assert f"group={desk.first_line.pk}" in drawn["links"][0]


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-13-01", "Parameter “start”: “2026-13-01” is not a date"),
    ("granularity=hourly", "Parameter “granularity”: “hourly” is not one of"),
    ("channel=pigeon", "Parameter “channel”: “pigeon” is not one of"),
    ("by=weather", "Parameter “by”: “weather” is not one of"),
])
def test_bad_parameters_get_a_clear_message(client, desk, query, message):
    response = signed_in(client, desk.admin).get(f"/console/reports/?{query}")
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


# ---------------------------------------------------------------------------------------------
# Drill-down


def test_a_figure_drills_down_to_as_many_tickets_as_it_counts(client, desk, february):
    admin = signed_in(client, desk.admin)
    page = admin.get(f"/console/reports/?{FEBRUARY}").content.decode()
    listed = admin.get(drill_link(page, "tickets_created"))
    body = listed.content.decode()
    assert listed.status_code == 200 and 'data-total="3"' in body
    assert NUMBER.findall(body) == [february[k].number for k in ("other", "second", "first")]
    point = chart(card(page, "tickets_created"))["links"][0]
    assert NUMBER.findall(admin.get(point).content.decode()) == [february["second"].number,
                                                                 february["first"].number]


@pytest.mark.parametrize(("query", "status", "message"), [
    (f"kpi=tickets_created&period=yesterday&{FEBRUARY}", 400, "Parameter “period”: “yesterday” is not a date"),
    (f"kpi=tickets_created&period=2026-03-01&{FEBRUARY}", 400, "is not the start of a period of this report"),
    (f"kpi=weather&{FEBRUARY}", 404, "There is no KPI “weather”."),
])
def test_a_drill_down_it_cannot_read_says_why(client, desk, query, status, message):
    response = signed_in(client, desk.admin).get(f"/console/reports/tickets/?{query}")
    assert response.status_code == status
    assert message in html.unescape(response.content.decode())


# ---------------------------------------------------------------------------------------------
# Scope


def test_an_agent_sees_their_own_figures_whatever_the_url_asks(client, desk, february):
    agent = signed_in(client, desk.agent1)
    own = agent.get(f"/console/reports/?{FEBRUARY}").content.decode()
    assert figure(own, "tickets_created") == "2" and "My figures" in own
    assert 'id="r-agent"' not in own and 'id="r-group"' not in own
    asked = agent.get(f"/console/reports/?{FEBRUARY}&agent={desk.agent2.pk}")
    assert asked.status_code == 403
    page = asked.content.decode()
    assert "You may see only your own figures." in page and figure(page, "tickets_created") == "2"
    listed = agent.get(f"/console/reports/tickets/?kpi=tickets_created&{FEBRUARY}&agent={desk.agent2.pk}")
    assert listed.status_code == 403 and february["other"].number not in listed.content.decode()
    mine = agent.get(f"/console/reports/tickets/?kpi=tickets_created&{FEBRUARY}").content.decode()
    assert sorted(NUMBER.findall(mine)) == sorted([february["first"].number, february["second"].number])


def test_customers_are_sent_to_the_portal(client, desk):
    customer = signed_in(client, desk.customer1)
    for url in ("/console/reports/", "/console/reports/tickets/?kpi=tickets_created", "/console/reports/wall/",
                "/console/start/"):
        response = customer.get(url)
        assert response.status_code == 302 and response.url == "/portal/", url


# ---------------------------------------------------------------------------------------------
# The figures' words


def test_a_change_is_coloured_by_the_direction_the_kpi_wants():
    faster = Kpi("wait", "Wait", "", unit="minutes", section="flow", better="down", drill=False)
    assert reports_figures.change(faster, 30, 60) == {"arrow": "▼", "text": "-50%", "tone": "good",
                                                      "direction": "down"}
    assert reports_figures.change(faster, 90, 60)["tone"] == "bad"
    rate = Kpi("rate", "Rate", "", unit="percent", section="service", better="up", drill=False)
    assert reports_figures.change(rate, 82.5, 80)["text"] == "+2.5 pts"
    assert reports_figures.change(rate, None, 80) is None
    assert reports_figures.figure_text(None, "percent") == "—"
    assert reports_figures.figure_text(float("nan"), "number") == "—"
    assert reports_figures.figure_text(125, "minutes") == "2 h 05 min"


# ---------------------------------------------------------------------------------------------
# The wall view


def _due(made: Ticket, minutes: int) -> None:
    """The ticket's first-response clock running, due in `minutes` (overdue when negative)."""
    now = timezone.now()
    SlaTarget.objects.update_or_create(ticket=made, key="response", defaults={
        "kind": "response", "started_at": now - datetime.timedelta(hours=1), "target_minutes": 240,
        "state": "running", "due_at": now + datetime.timedelta(minutes=minutes), "breached": False})


@pytest.fixture
def open_work(desk):
    now = timezone.now().isoformat(sep=" ")[:16]
    late = ticket(desk, now, group=desk.second_line, assignee=desk.agent2)
    soon = ticket(desk, now, group=desk.second_line, assignee=desk.agent1)
    fine = ticket(desk, now, group=desk.second_line, assignee=desk.agent1)
    fresh = ticket(desk, now)
    _due(late, -10)
    _due(soon, 5)
    _due(fine, 600)
    return {"late": late, "soon": soon, "fine": fine, "fresh": fresh}


def cells(board: str, row: str) -> dict[str, int]:
    found = re.search(rf"<th scope=\"row\">{re.escape(row)}</th>(.*?)</tr>", board, re.S).group(1)
    return {name: int(value) for name, value in re.findall(r'data-cell="(\w+)">(?:<a href="[^"]*">)?(\d+)<', found)}


def cell_links(board: str, row: str) -> dict[str, str]:
    found = re.search(rf"<th scope=\"row\">{re.escape(row)}</th>(.*?)</tr>", board, re.S).group(1)
    return {name: html.unescape(url) for name, url in re.findall(r'data-cell="(\w+)"><a href="([^"]*)">', found)}


def test_the_wall_counts_open_work_by_group_and_sla_state(client, desk, open_work):
    page = signed_in(client, desk.admin).get("/console/reports/wall/").content.decode()
    assert cells(page, "Network and Infrastructure (2nd line)") == {"open": 3, "on_time": 1, "at_risk": 1,
                                                                    "breached": 1}
    assert cells(page, "Intake (no group yet)")["open"] == 1
    assert 'hx-trigger="every 30s"' in page and "<html" in page


def test_the_walls_figures_open_the_tickets_behind_them(client, desk, open_work):
    agent = signed_in(client, desk.admin)
    links = cell_links(agent.get("/console/reports/wall/").content.decode(), "Network and Infrastructure (2nd line)")
    assert set(links) == {"open", "at_risk", "breached"}  # "on time" has no filter of its own
    listed = {name: {number for number in (open_work[k].number for k in open_work)
                     if number in agent.get(url).content.decode()} for name, url in links.items()}
    assert listed == {"open": {open_work["late"].number, open_work["soon"].number, open_work["fine"].number},
                      "at_risk": {open_work["soon"].number}, "breached": {open_work["late"].number}}
    # The intake has no group to filter by: its figures are not links.
    assert cell_links(agent.get("/console/reports/wall/").content.decode(), "Intake (no group yet)") == {}


def test_the_wall_refreshes_only_its_board(client, desk, open_work):
    board = signed_in(client, desk.admin).get("/console/reports/wall/?refresh=1", HTTP_HX_REQUEST="true")
    body = board.content.decode()
    assert body.startswith('<section id="wall-board"') and "<html" not in body
    # Never faster than every 5 seconds: a wall of screens must not hammer the desk.
    assert 'hx-trigger="every 5s"' in body and 'hx-get="/console/reports/wall/?refresh=1"' in body


def test_an_agents_wall_is_their_own_work(client, desk, open_work):
    page = signed_in(client, desk.agent1).get("/console/reports/wall/").content.decode()
    assert cells(page, "Network and Infrastructure (2nd line)") == {"open": 2, "on_time": 1, "at_risk": 1,
                                                                    "breached": 0}
    assert "Intake (no group yet)" not in page


def test_the_wall_in_chinese(client, desk, open_work):
    page = signed_in(client, desk.manager).get("/console/reports/wall/").content.decode()
    assert "按处理组的未完成工作" in page and "已超时" in page


def test_the_tickets_behind_a_figure_cost_the_same_queries_however_many(client, desk, django_assert_max_num_queries):
    admin = signed_in(client, desk.admin)
    url = f"/console/reports/tickets/?kpi=tickets_created&{FEBRUARY}"
    ticket(desk, "2026-02-03 10:00", group=desk.first_line, assignee=desk.agent1)
    admin.get(url)  # the reference data cached, as on a desk that has run a while
    with CaptureQueriesContext(connection) as few:
        admin.get(url)
    for n in range(30):
        ticket(desk, f"2026-02-{n % 28 + 1:02d} 11:00", group=desk.second_line, assignee=desk.agent2)
    with django_assert_max_num_queries(len(few)):
        assert 'data-total="31"' in admin.get(url).content.decode()
