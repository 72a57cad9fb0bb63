"""The console's change screens in both languages: raising a change, its page with the conflicts and the moves,
the ticket page's link to it, and the calendar (month and week) flagging conflicts and shading freezes."""

import datetime

from django.test import Client

from servicedesk.changes import actions
from servicedesk.changes.models import ChangeRecord, State
from servicedesk.tickets import actions as ticket_actions

from .conftest import CONSOLE, plan


def client(user, language="en"):
    made = Client(HTTP_ACCEPT_LANGUAGE=language)
    made.force_login(user)
    return made


def test_an_agent_raises_a_change_from_a_template_and_submits_it(desk, soon, template):
    agent = client(desk.agent1)
    assert 'id="new-change"' in agent.get("/console/changes/").content.decode()
    assert "Monthly OS patches" in agent.get("/console/changes/new/").content.decode()
    response = agent.post("/console/changes/new/", {
        "template": template.pk, "kind": "normal", "risk": "3", "impact": "3",
        "planned_start": soon.strftime("%Y-%m-%dT%H:%M"),
        "planned_end": soon.replace(hour=23).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302, response.content.decode()[:2000]
    change = ChangeRecord.objects.get()
    assert (change.kind, change.backout) == ("standard", "Boot the previous kernel.")
    assert response["Location"] == f"/console/changes/{change.ticket.number}/"
    page = agent.get(response["Location"]).content.decode()
    assert 'id="move-submit"' in page and 'id="save-change"' in page
    moved = agent.post(f"/console/changes/{change.ticket.number}/move/submit/", {"version": change.version})
    assert moved.status_code == 302
    change.refresh_from_db()
    assert change.state == State.SCHEDULED
    page = agent.get(f"/console/changes/{change.ticket.number}/").content.decode()
    assert "id=\"save-change\"" not in page, page
    assert "id=\"move-start\"" in page
    assert "id=\"change-notice\"" in page
    ticket_page = agent.get(f"/console/tickets/{change.ticket.number}/").content.decode()
    assert 'id="change-panel"' in ticket_page and "moved the change from “Draft” to “Scheduled”" in ticket_page
    chinese = client(desk.agent2, "zh-hans").get(f"/console/tickets/{change.ticket.number}/").content.decode()
    assert '<h2 id="change-panel-title">变更</h2>' in chinese and "将变更从“草稿”推进到“已排期”" in chinese


def test_a_refused_form_comes_back_with_the_reason_in_chinese(desk, soon):
    agent = client(desk.agent2, "zh-hans")
    response = agent.post("/console/changes/new/", {"kind": "standard", "risk": "2", "impact": "2"})
    assert response.status_code == 400
    assert "标准变更" in response.content.decode()
    assert not ChangeRecord.objects.exists()


def test_the_page_names_the_conflicts(desk, soon, servers, template, freeze):
    first = plan(desk, soon, kind="standard", template=template, items=[servers[0]], start=10 * 24)
    actions.move(first, "submit", actor=desk.agent1, channel=CONSOLE)
    second = plan(desk, soon, items=[servers[0]], start=10 * 24 + 1, title="Second")
    page = client(desk.agent1).get(f"/console/changes/{second.ticket.number}/").content.decode()
    conflicts = page.split('id="change-conflicts"')[1].split("</div>")[0]
    assert first.ticket.number in conflicts and "srv-mail-01" in conflicts and "Year-end closing" in conflicts
    page = client(desk.agent2, "zh-hans").get(f"/console/changes/{second.ticket.number}/").content.decode()
    assert "年终结账" in page.split('id="change-conflicts"')[1].split("</div>")[0]


def test_the_calendar_shows_scheduled_changes_with_conflicts_and_freezes(desk, soon, servers, template, freeze):
    first = plan(desk, soon, kind="standard", template=template, items=[servers[0]], start=10 * 24)
    actions.move(first, "submit", actor=desk.agent1, channel=CONSOLE)
    calm = plan(desk, soon, kind="standard", template=template, title="Calm")
    actions.move(calm, "submit", actor=desk.agent1, channel=CONSOLE)
    draft = plan(desk, soon, title="Not yet")
    agent = client(desk.agent1)
    day = soon.date().isoformat()
    week = agent.get(f"/console/changes/calendar/?view=week&date={day}").content.decode()
    assert f'data-number="{calm.ticket.number}"' in week and draft.ticket.number not in week
    frozen_day = (soon.date() + datetime.timedelta(days=10)).isoformat()
    month = agent.get(f"/console/changes/calendar/?view=month&date={frozen_day}").content.decode()
    flagged = month.split(f'data-number="{first.ticket.number}"')[0].rsplit("<a ", 1)[1]
    assert "has-conflict" in flagged
    assert "Year-end closing" in month and "frozen" in month
    chinese = client(desk.agent2, "zh-hans").get(f"/console/changes/calendar/?view=month&date={frozen_day}")
    assert "变更日历" in chinese.content.decode() and "年终结账" in chinese.content.decode()


def test_bad_calendar_input_is_a_400_with_a_reason(desk):
    agent = client(desk.agent1)
    response = agent.get("/console/changes/calendar/?date=tomorrow")
    assert response.status_code == 400 and "is not a date" in response.content.decode()
    assert agent.get("/console/changes/calendar/?view=year").status_code == 400


def test_customers_do_not_reach_the_change_screens(desk):
    customer = client(desk.customer1)
    for url in ("/console/changes/", "/console/changes/calendar/", "/console/changes/new/"):
        assert customer.get(url).status_code == 404


def test_the_list_flags_a_conflict_without_naming_a_change_the_reader_may_not_see(desk, soon, servers, template):
    """lead1 (not of the 3rd line) does not see the manager's change routed there."""
    hidden = plan(desk, soon, kind="standard", template=template, items=[servers[0]], title="Hidden")
    ticket_actions.assign(hidden.ticket, actor=desk.manager, group=desk.third_line)
    ticket_actions.update_ticket(hidden.ticket, actor=desk.manager, changes={"owner": desk.manager})
    actions.move(hidden, "submit", actor=desk.manager, channel=CONSOLE)
    mine = plan(desk, soon, items=[servers[0]], actor=desk.lead1, title="Mine")
    page = client(desk.lead1).get("/console/changes/").content.decode()
    row = page.split(f'id="change-{mine.ticket.number}"')[1].split("</tr>")[0]
    assert "另一个变更 在重叠的时间窗口内操作 srv-mail-01" in row and hidden.ticket.number not in page
