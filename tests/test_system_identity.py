"""One system identity: what the desk does by itself (routing, auto-assignment, mail, escalation,
commands) is recorded under one named account, which never signs in and reads as the system."""

import io

from django.core.management import call_command
from django.test import Client
from django.utils import translation

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import ApiToken, Role, User
from servicedesk.console.ticket_timeline import describe
from servicedesk.core import audit
from servicedesk.routing.models import GroupAssignment, RoutingRule, Strategy
from servicedesk.sla import tracking
from servicedesk.sla.models import EscalationRule
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, HistoryEntry
from tests.intake.test_ingest import deliver, mailbox, make  # noqa: F401  (mailbox: a fixture)
from tests.sla.conftest import cn, dated, holiday_calendar, make_ticket, priority_policies  # noqa: F401


def test_one_system_account_exists_after_the_migrations(db, settings):
    system = User.objects.get(username=settings.SERVICEDESK_SYSTEM_USERNAME)
    assert system == system_user() and system.is_system_identity and system.role == Role.MANAGER
    assert not system.has_usable_password()
    assert User.objects.filter(username=system.username).count() == 1


def test_it_reads_as_the_service_desk_in_both_languages(db):
    with translation.override("en"):
        assert system_user().display_name == "Service desk (system)"
    with translation.override("zh-hans"):
        assert system_user().display_name == "服务台（系统）"


def test_the_legacy_mail_robot_reads_as_the_system_too(db):
    robot = User.objects.create(username="mail-robot", role=Role.MANAGER, is_active=False)
    with translation.override("en"):
        assert robot.is_system_identity and robot.display_name == "Service desk (system)"


def test_it_cannot_sign_in_even_with_a_password(db):
    system = system_user()
    system.set_password("a-long-enough-password-1")
    system.save()
    client = Client()
    response = client.post("/login/", {"username": system.username, "password": "a-long-enough-password-1"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # A session made for it some other way is not honoured either.
    client.force_login(system)
    assert client.get("/preferences/").status_code == 302


def test_its_api_token_is_refused(db):
    _token, raw = ApiToken.issue(system_user(), name="leaked")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_routing_rules_and_auto_assignment_record_it(desk):
    GroupAssignment.objects.create(group=desk.second_line, strategy=Strategy.ROUND_ROBIN)
    RoutingRule.objects.create(name="VPN", keywords="VPN", set_group=desk.second_line)
    ticket = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="VPN down", channel="portal")
    routed = HistoryEntry.objects.filter(ticket=ticket, field__in=["group", "assignee"])
    assert {e.field for e in routed} == {"group", "assignee"}
    assert all(e.actor == system_user() and e.channel == Channel.SYSTEM for e in routed)
    with translation.override("en"):
        assert describe(routed.get(field="group")).startswith("The system ")


def test_mail_ingestion_records_it(desk, mailbox):  # noqa: F811
    mailbox.default_group = desk.second_line
    mailbox.save()
    User.objects.create(username="zhao", email="zhao@example.cn", role=Role.CUSTOMER)
    ticket = deliver(make("zhao@example.cn"), mailbox).ticket
    routed = HistoryEntry.objects.get(ticket=ticket, field="group")
    assert routed.actor == system_user() and routed.channel == Channel.EMAIL


def test_escalation_records_it(desk, priority_policies):  # noqa: F811
    EscalationRule.objects.create(name="P1 up", order=1, target="resolution", threshold=75, priorities=[1],
                                  escalate_to="next_tier")
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line, assignee=desk.agent1)
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9))
    dated(ticket, cn(2025, 9, 29, 9, 5), actions.add_comment, actor=desk.agent1, body="On it.")
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9, 5))
    tracking.evaluate(cn(2025, 9, 29, 16))
    moved = HistoryEntry.objects.get(ticket=ticket, field="group", new_value=desk.second_line.name)
    assert moved.actor == system_user() and moved.channel == Channel.SYSTEM


def test_the_issue_token_command_acts_as_it(desk):
    call_command("issue-token", "agent1", stdout=io.StringIO())
    issued = audit.trail(desk.agent1).get(action="token_issued")
    assert (issued.actor, issued.channel) == (system_user(), "command")


def test_its_notes_on_the_timeline_read_as_the_service_desk_in_the_reader_s_language(desk):
    ticket = actions.create_ticket(actor=desk.customer1, title="Printer")
    actions.add_comment(ticket, actor=system_user(), body="Two attachments were too large.", internal=True,
                        channel=Channel.EMAIL)
    client = Client()
    client.force_login(desk.manager)
    for language, name in (("en", "Service desk (system)"), ("zh-hans", "服务台（系统）")):
        desk.manager.language = language
        desk.manager.save(update_fields=["language"])
        assert name in client.get(f"/console/tickets/{ticket.number}/").content.decode()


def test_it_is_offered_nowhere_as_a_person(desk):
    """The system acts, but nobody assigns a ticket to it, filters by it or adds it as a watcher."""
    from servicedesk.accounts import refdata as accounts_refdata
    from servicedesk.console.queue_filters import _filter_options

    system = system_user()
    assert system.pk not in {pk for pk, _username, _name in accounts_refdata.staff()}
    assert system.pk not in {pk for pk, _name in _filter_options()["assignees"]}
    assert desk.agent1.pk in {pk for pk, _username, _name in accounts_refdata.staff()}
