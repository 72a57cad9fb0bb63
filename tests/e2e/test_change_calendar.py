"""A change in the browser, in both languages: an agent raises a normal change and submits it; the change advisory
board's approver (the manager) approves it from the console's approvals; the change is scheduled and appears on
the change calendar (week and month), with its service notice."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.approvals.models import ApprovalPolicy, ApprovalStep, ApproverKind, StepApprover
from servicedesk.changes.models import ApprovalRoute, ChangeRecord, State

from .conftest import screenshot


def state_label(language: str, state: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return str(State(state).label)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_change_passes_approval_and_appears_on_the_calendar(sign_in, e2e_desk, language):
    policy = ApprovalPolicy.objects.create(name="Change advisory board", name_zh="变更顾问委员会")
    step = ApprovalStep.objects.create(policy=policy, order=1)
    StepApprover.objects.create(step=step, kind=ApproverKind.USER, user=e2e_desk["manager"])
    ApprovalRoute.objects.create(kind="normal", policy=policy)
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(hour=22, minute=0, second=0, microsecond=0)

    agent = sign_in("agent1", language)
    agent.goto(f"{agent.base_url}/console/changes/")
    agent.click("#new-change")
    agent.fill("#id_title", "升级邮件服务器" if language == "zh-hans" else "Upgrade the mail server")
    agent.select_option("#id_kind", "normal")
    agent.fill("#id_planned_start", start.strftime("%Y-%m-%dT%H:%M"))
    agent.fill("#id_planned_end", (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    agent.fill("#id_implementation", "Install, restart, check.")
    agent.fill("#id_backout", "Restore the snapshot.")
    agent.locator("#id_services input").first.check()
    screenshot(agent, f"console-change-new-{language}")
    agent.click("#save-change")
    agent.wait_for_load_state("domcontentloaded")
    change = ChangeRecord.objects.get()
    assert agent.url.endswith(f"/console/changes/{change.ticket.number}/")
    agent.click("#move-submit")
    agent.wait_for_load_state("domcontentloaded")
    assert agent.locator("#change-state").inner_text() == state_label(language, State.AWAITING_APPROVAL)
    screenshot(agent, f"console-change-awaiting-{language}")

    manager = sign_in("manager", language)
    manager.goto(f"{manager.base_url}/console/approvals/")
    change.refresh_from_db()
    manager.click(f"#approval-{change.approval_id} button[value=approve]")
    manager.wait_for_load_state("domcontentloaded")
    change.refresh_from_db()
    assert change.state == State.SCHEDULED and change.announcement is not None

    agent.reload()
    assert agent.locator("#change-state").inner_text() == state_label(language, State.SCHEDULED)
    agent.goto(f"{agent.base_url}/console/changes/calendar/?view=week&date={start.date().isoformat()}")
    shown = agent.locator(f'#change-calendar a[data-number="{change.ticket.number}"]')
    assert shown.count() == 1
    assert agent.locator(f'#change-calendar td[data-date="{start.date().isoformat()}"] .calendar-change').count() == 1
    screenshot(agent, f"console-change-calendar-week-{language}")
    agent.click("#calendar-month")
    agent.wait_for_load_state("domcontentloaded")
    assert agent.locator(f'#change-calendar a[data-number="{change.ticket.number}"]').count() == 1
    screenshot(agent, f"console-change-calendar-month-{language}")
    shown = agent.locator(f'#change-calendar a[data-number="{change.ticket.number}"]')
    shown.click()
    agent.wait_for_load_state("domcontentloaded")
    assert agent.locator("#change-notice").count() == 1
