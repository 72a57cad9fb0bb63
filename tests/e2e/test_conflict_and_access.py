"""Two people on one ticket: the second one's stale form is refused with the list of what changed, their
text kept. And people who may not see a ticket get a plain 404, in the portal and in the console."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from servicedesk.accounts.models import Group
from servicedesk.tickets import actions
from servicedesk.tickets.models import Comment, Level, Status, Ticket

from .conftest import screenshot, translated


def new_ticket(desk, **extra) -> Ticket:
    return actions.create_ticket(actor=desk["customer1"], title="Laptop fan is very loud",
                                 description="It started this morning.", channel="portal", **extra)


def open_ticket(page, number: str) -> None:
    response = page.goto(f"{page.base_url}/console/tickets/{number}/")
    assert response.status == 200


def submit(page, selector: str) -> int:
    """Click a submit button; the status of the page that comes back (no redirect on a conflict)."""
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    return navigation.value.status


def test_stale_reply_is_refused_with_the_changes_listed_and_the_text_kept(sign_in, e2e_desk):
    ticket = new_ticket(e2e_desk)
    agent1 = sign_in("agent1", "en")
    lead1 = sign_in("lead1", "zh-hans")
    open_ticket(agent1, ticket.number)
    open_ticket(lead1, ticket.number)

    # agent1 raises the urgency first.
    agent1.select_option("#prio-urgency", str(Level.HIGH))
    assert submit(agent1, "#priority button[type=submit]") == 200
    ticket.refresh_from_db()
    assert ticket.urgency == Level.HIGH
    changed_version = ticket.version

    # lead1's page still shows the old version: the reply is refused.
    text = "我们已经安排工程师明天上午检查风扇。"
    lead1.fill("#reply-body", text)
    assert submit(lead1, "form.reply-form button[type=submit]") == 409
    banner = lead1.locator("#conflict")
    assert banner.get_attribute("role") == "alert"
    heading = translated("zh-hans", "Someone else changed this ticket while you were working on it.")
    assert heading in banner.inner_text()
    rows = banner.locator("table.conflict-changes tbody tr").all_inner_texts()
    with translation.override("zh-hans"):
        urgency_field = str(Ticket._meta.get_field("urgency").verbose_name)
        high = str(Level.HIGH.label)
    assert any(urgency_field in r and high in r and "agent1" in r for r in rows), rows
    assert lead1.locator("#reply-body").input_value() == text
    screenshot(lead1, "console-conflict-zh-hans")

    ticket.refresh_from_db()
    assert ticket.version == changed_version
    assert not Comment.objects.filter(ticket=ticket).exists()

    # The page now carries the current version: sending again goes through.
    assert submit(lead1, "form.reply-form button[type=submit]") == 200
    assert lead1.locator("#conflict").count() == 0
    assert Comment.objects.get(ticket=ticket).body == text
    assert lead1.js_errors == [] and agent1.js_errors == []


def test_stale_resolve_in_a_second_tab_keeps_the_resolution_text(sign_in, e2e_desk):
    ticket = new_ticket(e2e_desk)
    actions.transition(ticket, "acknowledge", actor=e2e_desk["agent1"])
    first = sign_in("agent1", "en")
    second = first.context.new_page()
    second.base_url = first.base_url
    open_ticket(first, ticket.number)
    open_ticket(second, ticket.number)

    first.fill("#reply-body", "Could you send a photo of the sticker under the laptop?")
    assert submit(first, "form.reply-form button[type=submit]") == 200

    second.locator("#actions details.pop:has(form[action$='/transition/resolve/']) summary").click()
    second.fill("#resolve-comment", "Cleaned the fan.")
    assert submit(second, "#actions form[action$='/transition/resolve/'] button[type=submit]") == 409
    banner = second.locator("#conflict[role=alert]")
    assert "agent1" in banner.inner_text()
    assert second.locator("#actions details.pop[open] #resolve-comment").input_value() == "Cleaned the fan."
    screenshot(second, "console-conflict-en")

    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED
    assert second.locator(".ticket-head .badge.status-acknowledged").inner_text() == "Acknowledged"


def test_other_customers_and_other_groups_get_not_found(sign_in, e2e_desk, browser):
    upload = SimpleUploadedFile("fan.txt", b"noise log", content_type="text/plain")
    ticket = new_ticket(e2e_desk)
    attachment = actions.add_attachment(ticket, actor=e2e_desk["customer1"], upload=upload, channel="portal")
    portal_url = f"/portal/requests/{ticket.number}/"
    console_url = f"/console/tickets/{ticket.number}/"

    owner = sign_in("customer1", "en")
    assert owner.goto(owner.base_url + portal_url).status == 200  # the URL itself is right

    stranger = sign_in("customer3", "zh-hans")
    response = stranger.goto(stranger.base_url + portal_url)
    assert response.status == 404
    assert ticket.title not in stranger.content()
    screenshot(stranger, "portal-not-found-zh-hans")
    response = stranger.goto(stranger.base_url + console_url)
    assert response.status == 404
    assert ticket.title not in stranger.content()
    assert stranger.goto(f"{stranger.base_url}/portal/files/{attachment.pk}/").status == 404

    # Desk staff outside the ticket's group do not see it either (owned by the manager, not by the 1st
    # line, whose people follow up what their colleagues own).
    actions.assign(ticket, actor=e2e_desk["manager"], group=Group.objects.get(name="Applications (3rd line)"))
    agent1 = sign_in("agent1", "en")
    assert agent1.goto(agent1.base_url + console_url).status == 404
    agent2 = sign_in("agent2", "en")
    assert agent2.goto(agent2.base_url + console_url).status == 200
