"""Approval in the browser, in both languages: a customer asks for finance-folder access from the portal; the
catalogue item's policy sends it to their manager, who approves it from the link in the e-mail (no sign-in), and
the requester's request moves on. The approvers' inboxes in the console and the portal are looked at too."""

import re

import pytest

from servicedesk.accounts.models import Role, User
from servicedesk.approvals.models import (
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStep,
    ApproverKind,
    CatalogueApproval,
    State,
    StepApprover,
)
from servicedesk.tickets.models import Category, Service, Status

from .conftest import PASSWORD, screenshot, translated


def finance_folder_needs_the_managers_approval(e2e_desk, language):
    boss = User.objects.create_user("boss", email="boss@example.com", password=PASSWORD, role=Role.CUSTOMER,
                                    first_name="Bo", last_name="Boss", language=language)
    User.objects.filter(username="customer1").update(manager=boss)
    policy = ApprovalPolicy.objects.create(name="Manager approval", name_zh="直属经理审批")
    StepApprover.objects.create(step=ApprovalStep.objects.create(policy=policy, order=1), kind=ApproverKind.MANAGER)
    service = Service.objects.create(name="Accounts and access", name_zh="账号与权限")
    item = Category.objects.create(service=service, name="Finance folder access", name_zh="财务文件夹权限")
    CatalogueApproval.objects.create(category=item, policy=policy)
    return boss, item


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_manager_approves_finance_folder_access_from_the_mail(sign_in, browser, live_server, e2e_desk,
                                                                  smtp_sink, language):
    boss, item = finance_folder_needs_the_managers_approval(e2e_desk, language)
    customer = sign_in("customer1", language)
    customer.goto(f"{customer.base_url}/portal/new/?type=service_request")
    customer.check("input[name=type][value=service_request]")
    customer.select_option("#id_category", str(item.pk))
    customer.fill("#id_title", "财务文件夹读写权限" if language == "zh-hans" else "Write access to the finance folder")
    customer.fill("#id_description", "Accounts payable from Monday")
    customer.locator("form.request-form button[type=submit]").click()
    customer.wait_for_load_state("domcontentloaded")
    request = ApprovalRequest.objects.get()
    assert request.ticket.requester.username == "customer1"
    assert customer.locator(".ticket-status").inner_text().strip() == translated(language, "Waiting for approval")
    screenshot(customer, f"portal-request-waiting-for-approval-{language}")

    mail = [m for m in smtp_sink.wait_for(1) if "boss@example.com" in str(m["To"])][0]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://\S+/approvals/link/\S+/\?outcome=approve", text).group(0)
    outsider = browser.new_context(locale="zh-CN" if language == "zh-hans" else "en-US")
    try:
        page = outsider.new_page()
        page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
        assert "Accounts payable from Monday" in page.content()
        screenshot(page, f"approval-link-{language}")
        page.fill("#id_comment", "同意" if language == "zh-hans" else "Granted")
        page.click("#approve")
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("#approval-state").inner_text() == translated(language, "Approved")
        screenshot(page, f"approval-link-approved-{language}")
    finally:
        outsider.close()

    request.refresh_from_db()
    assert request.state == State.APPROVED
    ticket = request.ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.pending_reason == ""
    customer.reload()
    assert customer.locator(".ticket-status").inner_text().strip() == translated(language, "Received")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_approvers_inboxes(sign_in, e2e_desk, language):
    boss, item = finance_folder_needs_the_managers_approval(e2e_desk, language)
    from servicedesk.approvals import actions
    from servicedesk.tickets import actions as ticket_actions

    customer1 = User.objects.get(username="customer1")
    ticket = ticket_actions.create_ticket(actor=customer1, title="Finance folder", type="service_request",
                                          category=item, description="Quarter-end reports")
    lead_policy = ApprovalPolicy.objects.create(name="Desk lead", name_zh="组长审批")
    StepApprover.objects.create(step=ApprovalStep.objects.create(policy=lead_policy, order=1),
                                user=e2e_desk["lead1"])
    other = ticket_actions.create_ticket(actor=customer1, title="New laptop", type="service_request")
    actions.request_approval(other, policy=lead_policy, actor=e2e_desk["agent1"], channel="console")

    portal = sign_in("boss", language)
    portal.goto(f"{portal.base_url}/portal/approvals/")
    assert ticket.number in portal.locator("#approvals-waiting").inner_text()
    screenshot(portal, f"portal-approvals-{language}")
    portal.fill(f"#id_a{ApprovalRequest.objects.get(ticket=ticket).pk}_comment", "OK")
    portal.locator("#approvals-waiting button[value=approve]").click()
    portal.wait_for_load_state("domcontentloaded")
    assert portal.locator("#approvals-none").is_visible()

    console = sign_in("lead1", language)
    console.goto(f"{console.base_url}/console/approvals/")
    assert other.number in console.locator("#approvals-waiting").inner_text()
    screenshot(console, f"console-approvals-{language}")
    console.goto(f"{console.base_url}/console/tickets/{other.number}/")
    assert e2e_desk["lead1"].display_name in console.locator("#approval-waiting-for").inner_text()
    screenshot(console, f"console-ticket-approval-panel-{language}")
