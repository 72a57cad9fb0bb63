"""Announcement actions: who may, versions, the audit trail, e-mail to the affected customers once and in
their language, subscribers told of updates and the end, ticket links."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.announcements import actions
from servicedesk.announcements.models import Announcement, Phase, Subscription, TicketAnnouncement
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.notify.models import Event, OutboundMessage
from servicedesk.tickets import actions as ticket_actions

from .conftest import CONSOLE


def test_only_leads_managers_and_admins_write_and_only_managers_delete(desk, notice):
    with pytest.raises(NotAllowed):
        notice(actor=desk.agent1)
    with pytest.raises(NotAllowed):
        notice(actor=desk.customer1)
    made = notice(actor=desk.lead1)
    with pytest.raises(NotAllowed):
        actions.delete_announcement(made, actor=desk.lead1, channel=CONSOLE)
    actions.delete_announcement(made, actor=desk.manager, channel=CONSOLE)
    assert not Announcement.objects.exists()
    assert {e.action for e in audit.trail(made)} == {"deleted", "created"}


def test_update_needs_the_current_version_and_is_audited(desk, notice):
    made = notice()
    changed = actions.update_announcement(made, actions.AnnouncementInput(title="E-mail is slow", kind="degradation"),
                                          actor=desk.lead1, channel=CONSOLE, expected_version=1)
    assert changed.version == 2
    with pytest.raises(Conflict):
        actions.update_announcement(made, actions.AnnouncementInput(title="Mine"), actor=desk.manager,
                                    channel=CONSOLE, expected_version=1)
    entries = {(e.action, e.field): (e.old_value, e.new_value) for e in audit.trail(made)}
    assert entries[("changed", "title")] == ("E-mail is down", "E-mail is slow")
    assert ("created", "kind") in entries


def test_an_end_before_the_start_is_refused_with_a_clear_error(desk, notice):
    start = timezone.now()
    with pytest.raises(ActionError, match="The end must be after the start."):
        notice(starts_at=start, ends_at=start - datetime.timedelta(hours=1))
    with pytest.raises(ActionError, match="needs a title"):
        notice(title="   ")
    with pytest.raises(ActionError, match="Unknown kind"):
        notice(kind="meteor")


def test_phase_follows_the_clock_and_end_now_resolves_early(desk, notice):
    now = timezone.now()
    planned = notice(kind="planned_change", starts_at=now + datetime.timedelta(days=1),
                     ends_at=now + datetime.timedelta(days=1, hours=2))
    assert planned.phase() == Phase.PLANNED
    current = notice(ends_at=now + datetime.timedelta(hours=3))
    assert current.phase() == Phase.CURRENT
    ended = actions.end_announcement(current, actor=desk.manager, channel=CONSOLE)
    assert ended.phase() == Phase.ENDED and ended.resolved_early
    with pytest.raises(ActionError, match="ended already"):
        actions.end_announcement(current, actor=desk.manager, channel=CONSOLE)
    assert "ended" in {e.action for e in audit.trail(current)}


def test_affected_customers_are_told_once_each_in_their_language(desk, notice, smtp_sink, committed):
    made = notice("A")
    count = committed(actions.notify_affected, made, actor=desk.manager, channel=CONSOLE)
    assert count == 2  # customer1 and customer2 of organisation A; customer3 (B) is not affected
    smtp_sink.wait_for(2)
    by_address = {str(m["To"]): m for m in smtp_sink.messages}
    assert set(by_address) == {"customer1@example.com", "customer2@example.com"}
    assert "邮件服务中断" in str(by_address["customer1@example.com"]["Subject"])
    assert "故障" in str(by_address["customer1@example.com"]["Subject"])
    assert "E-mail is down" in str(by_address["customer2@example.com"]["Subject"])
    assert "Outage" in str(by_address["customer2@example.com"]["Subject"])
    with pytest.raises(ActionError, match="told of this announcement already"):
        committed(actions.notify_affected, made, actor=desk.manager, channel=CONSOLE)
    with pytest.raises(ActionError, match="Nothing has changed"):
        committed(actions.notify_affected, made, actor=desk.manager, channel=CONSOLE, resend=True)
    assert OutboundMessage.objects.filter(event=Event.ANNOUNCEMENT).count() == 2
    assert "emailed" in {e.action for e in audit.trail(made)}
    # A material update may be sent again, when asked.
    committed(actions.update_announcement, made, actions.AnnouncementInput(body="Back by noon."), actor=desk.manager,
              channel=CONSOLE)
    assert committed(actions.notify_affected, made, actor=desk.manager, channel=CONSOLE, resend=True) == 2
    assert OutboundMessage.objects.filter(event=Event.ANNOUNCEMENT).count() == 4


def test_a_notice_for_everyone_goes_to_every_customer(desk, notice, committed):
    made = notice(None)
    assert committed(actions.notify_affected, made, actor=desk.lead1, channel=CONSOLE) == 3


def test_subscribers_are_told_of_updates_and_the_end(desk, notice, smtp_sink, committed):
    made = notice("A")
    with pytest.raises(NotAllowed, match="Only customers"):
        actions.subscribe(made, actor=desk.agent1, channel=CONSOLE)
    with pytest.raises(NotAllowed, match="does not concern"):
        actions.subscribe(notice("A", public=True), actor=desk.customer3, channel=CONSOLE)
    with pytest.raises(NotFound):
        actions.subscribe(made, actor=desk.customer3, channel=CONSOLE)
    actions.subscribe(made, actor=desk.customer2, channel=CONSOLE)
    actions.subscribe(made, actor=desk.customer2, channel=CONSOLE)  # twice is once
    assert Subscription.objects.filter(announcement=made).count() == 1
    committed(actions.update_announcement, made, actions.AnnouncementInput(body="Back by noon."), actor=desk.manager,
              channel=CONSOLE)
    smtp_sink.wait_for(1)
    [update] = smtp_sink.messages
    assert update["To"] == "customer2@example.com" and str(update["Subject"]).startswith("Update:")
    smtp_sink.clear()
    committed(actions.end_announcement, made, actor=desk.manager, channel=CONSOLE)
    smtp_sink.wait_for(1)
    [ended] = smtp_sink.messages
    assert str(ended["Subject"]).startswith("Ended:")
    assert "resolved early" in ended.get_body(preferencelist=("plain",)).get_content()
    actions.unsubscribe(made, actor=desk.customer2, channel=CONSOLE)
    assert not Subscription.objects.exists()
    assert {"subscribed", "unsubscribed"} <= {e.action for e in audit.trail(made)}


def test_staff_link_tickets_they_see(desk, notice):
    made = notice("A")
    ticket = ticket_actions.create_ticket(actor=desk.customer1, title="No mail since 9")
    with pytest.raises(NotAllowed):
        actions.link_ticket(made, ticket, actor=desk.customer1, channel=CONSOLE)
    actions.link_ticket(made, ticket, actor=desk.agent1, channel=CONSOLE)
    with pytest.raises(ActionError, match="linked to this announcement already"):
        actions.link_ticket(made, ticket, actor=desk.agent1, channel=CONSOLE)
    assert TicketAnnouncement.objects.get().linked_by == desk.agent1
    actions.unlink_ticket(made, ticket, actor=desk.agent1, channel=CONSOLE)
    with pytest.raises(NotFound):
        actions.unlink_ticket(made, ticket, actor=desk.agent1, channel=CONSOLE)
    assert {"ticket_linked", "ticket_unlinked"} <= {e.action for e in audit.trail(made)}
