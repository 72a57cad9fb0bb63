"""The manager's dashboard in a real browser, in English and Chinese: they land on it after signing in, its charts
are drawn by ECharts (a canvas each, no script or style the Content-Security-Policy refuses), a figure drills down
to as many tickets as it counts, a chart's bar to its day's tickets, and the wall view refreshes itself."""

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from servicedesk.reports import facts
from servicedesk.reports.filters import viewer_zone
from servicedesk.tickets import actions
from servicedesk.tickets.models import Ticket

from .conftest import screenshot, translated


def record(e2e_desk, title: str, *, group: str = "Service Desk (1st line)") -> Ticket:
    from servicedesk.accounts.models import Group

    return actions.create_ticket(actor=e2e_desk["agent1"], requester=e2e_desk["customer1"], title=title,
                                 channel="phone", group=Group.objects.get(name=group))


def viewer_today(user) -> datetime.date:
    """Today where the viewer's reports are cut (the demo's manager: Asia/Shanghai), which from 16:00 UTC
    is already tomorrow in the server's UTC."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(viewer_zone(user)))


def words(language: str, text: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return str(translation.pgettext("reports", text))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_manager_lands_on_the_dashboard_and_drills_down(sign_in, e2e_desk, language):
    for n in range(3):
        record(e2e_desk, f"VPN drops {n}")
    page = sign_in("manager", language)
    assert page.url.endswith("/console/reports/")
    assert words(language, "Dashboard") in page.locator("h1").inner_text()

    charts = page.locator("[data-chart]")
    # Polled from here: Playwright's own polling evaluates a string, which the page's CSP refuses.
    expect(page.locator("[data-chart]:not([data-ready])")).to_have_count(0)
    assert charts.count() >= 2
    assert page.locator("[data-chart] canvas").count() >= charts.count()
    assert page.evaluate("[...document.querySelectorAll('[data-chart]')]"
                         ".every(e => echarts.getInstanceByDom(e) && e.querySelector('canvas').width > 0)")
    card = page.locator("[data-kpi=tickets_created]")
    assert card.locator(".kpi-figure").inner_text() == "3"
    assert translated(language, "Tickets recorded in the period (by their creation time), whatever their type, "
                                "channel or state now.") in card.inner_text()
    # A count of nothing is 0 (no breaches), an average over nothing is no data.
    assert page.locator("[data-kpi=tickets_closed] .kpi-figure").inner_text() == "0"
    assert words(language, "No data") in page.locator("[data-kpi=csat_average]").inner_text()
    screenshot(page, f"console-dashboard-{language}")

    card.locator("a[data-drill]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "/console/reports/tickets/?kpi=tickets_created" in page.url
    assert page.locator("[data-total]").get_attribute("data-total") == "3"
    assert page.locator(".queue-list tbody tr").count() == 3
    screenshot(page, f"console-report-tickets-{language}")

    # A click on today's bar of the chart: today's tickets (all three).
    page.go_back()
    expect(page.locator("[data-kpi=tickets_created] [data-chart][data-ready]")).to_have_count(1)
    today = viewer_today(e2e_desk["manager"]).day
    point = page.evaluate(f"""(() => {{
        const chart = echarts.getInstanceByDom(document.querySelector('[data-kpi=tickets_created] [data-chart]'));
        return chart.convertToPixel({{seriesIndex: 0}}, [{today - 1}, 1]); }})()""")
    page.locator("[data-kpi=tickets_created] [data-chart]").click(position={"x": point[0], "y": point[1]})
    page.wait_for_url(re.compile(r"period=\d{4}-\d\d-\d\d"))
    assert f"period={viewer_today(e2e_desk['manager']).isoformat()}" in page.url
    assert page.locator(".queue-list tbody tr").count() == 3
    assert page.js_errors == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_wall_view_refreshes_itself(sign_in, e2e_desk, language):
    record(e2e_desk, "Printer on fire", group="Network and Infrastructure (2nd line)")
    page = sign_in("manager", language)
    page.goto(f"{page.base_url}/console/reports/wall/?refresh=5")
    board = page.locator("#wall-board")
    first = board.get_attribute("data-updated")
    row = page.locator("tr[data-group-row]").filter(has_text=re.compile("Network|网络"))
    assert row.locator("[data-cell=open]").inner_text() == "1"
    screenshot(page, f"console-wall-{language}")

    record(e2e_desk, "Printer on fire again", group="Network and Infrastructure (2nd line)")
    expect(board).not_to_have_attribute("data-updated", first, timeout=12000)
    assert row.locator("[data-cell=open]").inner_text() == "2"
    # Replaced in place: the page itself was not loaded again.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.js_errors == []


def test_an_agent_reaches_their_own_figures_from_the_menu(sign_in, e2e_desk):
    mine = record(e2e_desk, "Mine")
    Ticket.objects.filter(pk=mine.pk).update(assignee=e2e_desk["agent1"])
    facts.refresh([mine.pk])  # a bulk update bypasses the receivers that keep the report facts
    record(e2e_desk, "Not mine")
    page = sign_in("agent1")
    assert page.url.endswith("/console/queues/mine/")
    page.locator(".topnav a", has_text="Reports").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("[data-kpi=tickets_created] .kpi-figure").inner_text() == "1"
    assert page.locator("#r-agent").count() == 0
    assert viewer_today(e2e_desk["agent1"]).strftime("%Y-%m") in page.locator("[data-range]").inner_text()


def test_a_line_charts_lone_point_is_drawn(sign_in, e2e_desk):
    # A rate or an average with data on one day only is a point between gaps: no line is drawn to it, so
    # ECharts must draw its symbol even where it thins the symbols out to the axis labels' interval (a 20 %
    # abandoned rate on the 7th of a month showed an empty chart).
    ticket = record(e2e_desk, "Solved in two hours")
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(created_at=now - datetime.timedelta(hours=2), resolved_at=now)
    facts.refresh([ticket.pk])
    today = viewer_today(e2e_desk["manager"])
    start, end = today - datetime.timedelta(days=9), today + datetime.timedelta(days=21)
    page = sign_in("manager")
    page.goto(f"{page.base_url}/console/reports/?start={start}&end={end}&granularity=day")
    chart = page.locator("[data-kpi=time_to_resolve_mean] [data-chart]")
    expect(chart).to_have_attribute("data-ready", "1")
    drawn = page.evaluate("""(() => {
        const chart = echarts.getInstanceByDom(document.querySelector('[data-kpi=time_to_resolve_mean] [data-chart]'));
        const data = chart.getModel().getSeriesByIndex(0).getData();
        const points = [];
        for (let i = 0; i < data.count(); i++) {
            if (data.get('y', i) === data.get('y', i) && data.get('y', i) != null) {
                points.push([i, Boolean(data.getItemGraphicEl(i))]);
            }
        }
        return points; })()""")
    assert drawn == [[9, True]]
