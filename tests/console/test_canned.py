"""Canned responses and macros: the management screen, placeholders, and macros applied with a reply."""

import datetime
import importlib
import zoneinfo

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from servicedesk.console.models import CannedResponse
from servicedesk.sla.clocks import sla_state
from servicedesk.sla.models import Calendar, SlaPolicy
from servicedesk.tickets.models import Comment, Status

from .ticketing import fresh, make_ticket

BODY = (
    "Dear {requester_name}, about {ticket_number} ({ticket_title}): expect an answer within "
    "{response_within}. {unknown} stays. — {agent_name}"
)


@pytest.fixture
def agent1(client, desk):
    client.force_login(desk.agent1)
    return client


def canned(desk, **kwargs):
    fields = {"name": "Acknowledge politely", "body": BODY, "group": desk.first_line}
    fields.update(kwargs)
    return CannedResponse.objects.create(**fields)


def test_management_create_list_edit_delete(agent1, desk):
    response = agent1.post(
        reverse("console:canned_new"),
        {
            "name": "My greeting",
            "body": "Hello {requester_name}",
            "scope": "personal",
            "set_status": "",
            "set_group": "",
            "set_priority": "",
        },
    )
    assert response.status_code == 302
    mine = CannedResponse.objects.get(name="My greeting")
    assert mine.owner == desk.agent1 and mine.group is None
    response = agent1.post(
        reverse("console:canned_new"),
        {
            "name": "Resolve: password reset",
            "body": "Your password was reset.",
            "scope": f"group:{desk.first_line.pk}",
            "set_status": "resolve",
            "set_group": "",
            "set_priority": "4",
        },
    )
    assert response.status_code == 302
    shared = CannedResponse.objects.get(name="Resolve: password reset")
    assert shared.group == desk.first_line and shared.set_status == "resolve" and shared.set_priority == 4
    listing = agent1.get(reverse("console:canned")).content.decode()
    assert "My greeting" in listing and "Resolve: password reset" in listing
    agent1.post(
        reverse("console:canned_edit", args=[mine.pk]),
        {
            "name": "My greeting 2",
            "body": "Hi",
            "scope": "personal",
            "set_status": "",
            "set_group": "",
            "set_priority": "",
        },
    )
    assert CannedResponse.objects.get(pk=mine.pk).name == "My greeting 2"
    assert agent1.get(reverse("console:canned_delete", args=[mine.pk])).status_code == 200
    agent1.post(reverse("console:canned_delete", args=[mine.pk]))
    assert not CannedResponse.objects.filter(pk=mine.pk).exists()


def test_scope_limits_who_sees_and_edits(client, desk):
    personal = canned(desk, name="agent2 private", group=None, owner=desk.agent2)
    third = canned(desk, name="3rd line only", group=desk.third_line)
    client.force_login(desk.agent1)
    listing = client.get(reverse("console:canned")).content.decode()
    assert "agent2 private" not in listing and "3rd line only" not in listing
    assert client.get(reverse("console:canned_edit", args=[personal.pk])).status_code == 404
    assert client.post(reverse("console:canned_delete", args=[third.pk])).status_code == 404
    response = client.post(
        reverse("console:canned_new"),
        {
            "name": "x",
            "body": "y",
            "scope": f"group:{desk.third_line.pk}",
            "set_status": "",
            "set_group": "",
            "set_priority": "",
        },
    )
    assert response.status_code == 200 and not CannedResponse.objects.filter(name="x").exists()


def test_customers_cannot_manage(client, desk):
    client.force_login(desk.customer1)
    assert client.get(reverse("console:canned")).status_code == 404


def test_placeholders_rendered_in_the_reply_box(agent1, desk):
    ticket = make_ticket(desk, Status.ASSIGNED, title="Mailbox full")
    response = canned(desk)
    page = agent1.get(reverse("console:ticket", args=[ticket.number])).content.decode()
    assert 'id="canned-select"' in page and 'accesskey="c"' in page and "Acknowledge politely" in page
    partial = agent1.get(reverse("console:ticket_canned", args=[ticket.number]), {"canned": response.pk})
    html = partial.content.decode()
    assert partial.status_code == 200 and 'id="composer-fields"' in html
    name = desk.customer1.get_full_name()
    within = _hours(sla_state(ticket).first_response.target_minutes, "小时")  # customer1 reads Chinese
    assert (
        f"Dear {name}, about {ticket.number} (Mailbox full): expect an answer within {within}. "
        f"{{unknown}} stays. — {desk.agent1.get_full_name()}"
    ) in html
    assert 'name="macro"' not in html
    # Without JavaScript the same works through the page itself.
    page = agent1.get(
        reverse("console:ticket", args=[ticket.number]), {"canned": response.pk}
    ).content.decode()
    assert f"expect an answer within {within}." in page


def test_applying_appends_to_typed_text(agent1, desk):
    ticket = make_ticket(desk, Status.ASSIGNED)
    response = canned(desk, body="Regards, {agent_name}")
    html = agent1.get(
        reverse("console:ticket_canned", args=[ticket.number]), {"canned": response.pk, "body": "Fixed it."}
    ).content.decode()
    assert f"Fixed it.\n\nRegards, {desk.agent1.get_full_name()}</textarea>" in html


def _hours(minutes, unit):
    assert minutes % 60 == 0
    return f"{minutes // 60} {unit}"


def _local(moment, time_zone="Asia/Shanghai"):
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone))


def _applied(client, ticket, body, desk):
    response = canned(desk, body=body)
    html = client.get(reverse("console:ticket_canned", args=[ticket.number]), {"canned": response.pk}).content
    return html.decode()


def test_due_times_in_the_requester_s_language_and_time_zone(agent1, desk):
    body = "[{response_due}|{response_within}|{resolution_due}|{resolution_within}|{committed_time}]"
    chinese = make_ticket(desk, Status.ASSIGNED, requester=desk.customer1)
    state = sla_state(chinese)
    response, resolution = _local(state.first_response.due_at), _local(state.resolution.due_at)
    due = f"{response.year}年{response.month}月{response.day}日 {response:%H:%M}"
    expected = (f"[{due}|{_hours(state.first_response.target_minutes, '小时')}|"
                f"{resolution.year}年{resolution.month}月{resolution.day}日 {resolution:%H:%M}|"
                f"{_hours(state.resolution.target_minutes, '小时')}|{due}]")
    assert expected in _applied(agent1, chinese, body, desk)
    english = make_ticket(desk, Status.ASSIGNED, requester=desk.customer2)
    state = sla_state(english)
    response = _local(state.first_response.due_at)
    html = _applied(agent1, english, "by {response_due}, within {response_within}", desk)
    assert (f"by {response.day} {response:%b} {response.year}, {response:%H:%M}, "
            f"within {_hours(state.first_response.target_minutes, 'hours')}") in html


def test_the_due_time_is_the_one_the_acknowledgement_gave(agent1, desk, settings):
    SlaPolicy.objects.update(is_active=False)
    Calendar.objects.update(is_default=False)
    settings.SERVICEDESK_NOTIFY_DEFAULT_RESPONSE_MINUTES = {3: 90}
    ticket = make_ticket(desk, Status.ASSIGNED, requester=desk.customer2)
    response = _local(ticket.created_at + datetime.timedelta(minutes=90))
    html = _applied(agent1, ticket, "by {committed_time} ({response_within}); solved by {resolution_due}", desk)
    # Without an SLA policy there is no resolution promise: its placeholder stays for the agent to see.
    assert (f"by {response.day} {response:%b} {response.year}, {response:%H:%M} (1 hour 30 minutes); "
            "solved by {resolution_due}") in html


def test_the_form_explains_every_placeholder_in_both_languages(agent1, desk):
    page = agent1.get(reverse("console:canned_new")).content.decode()
    for name in ("requester_name", "ticket_number", "ticket_title", "agent_name", "response_due",
                 "response_within", "resolution_due", "resolution_within", "committed_time"):
        assert f"<code>{{{name}}}</code>" in page
    assert "a date and time in the requester&#x27;s language and time zone" in page
    assert "the same as {response_due} (its former name)" in page
    desk.agent1.language = "zh-hans"
    desk.agent1.save()
    listing = agent1.get(reverse("console:canned")).content.decode()
    assert "<code>{response_within}</code>" in listing and "响应时限（时长），例如 4 小时" in listing


def test_stored_texts_are_migrated_to_the_clear_name(desk):
    old = canned(desk, body="We answer by {committed_time}.")
    migration = importlib.import_module("servicedesk.console.migrations.0003_canned_placeholders")
    migration.rename_committed_time(django_apps, None)
    old.refresh_from_db()
    assert old.body == "We answer by {response_due}."


def test_macro_applies_field_changes_with_the_reply(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    macro = canned(
        desk,
        name="Solved: reset",
        body="Password reset for {requester_name}.",
        set_status="resolve",
        set_priority=2,
        group=desk.second_line,
    )
    client.force_login(desk.agent2)
    html = client.get(
        reverse("console:ticket_canned", args=[ticket.number]), {"canned": macro.pk}
    ).content.decode()
    assert f'name="macro" value="{macro.pk}"' in html
    response = client.post(
        reverse("console:ticket_reply", args=[ticket.number]),
        {"version": ticket.version, "body": "Password reset for you.", "internal": "0", "macro": macro.pk},
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.RESOLVED and ticket.priority == 2 and ticket.priority_overridden
    assert Comment.objects.filter(ticket=ticket, body="Password reset for you.", internal=False).exists()


def test_macro_assigns_group_and_internal(client, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    macro = canned(desk, name="To apps", body="Routing to apps", internal=True, set_group=desk.third_line)
    client.force_login(desk.agent1)
    html = client.get(
        reverse("console:ticket_canned", args=[ticket.number]), {"canned": macro.pk}
    ).content.decode()
    assert 'value="1" checked' in html  # the internal-note toggle is on
    client.post(
        reverse("console:ticket_reply", args=[ticket.number]),
        {"version": ticket.version, "body": "Routing to apps", "internal": "1", "macro": macro.pk},
    )
    ticket = fresh(ticket)
    assert ticket.group == desk.third_line and ticket.status == Status.ASSIGNED
    assert Comment.objects.get(body="Routing to apps").internal


def test_failed_macro_saves_nothing(client, desk):
    ticket = make_ticket(desk, Status.NEW)
    macro = canned(desk, name="Close", body="Closing", set_status="close")  # a new ticket cannot be closed
    client.force_login(desk.agent1)
    response = client.post(
        reverse("console:ticket_reply", args=[ticket.number]),
        {"version": ticket.version, "body": "Closing now", "internal": "0", "macro": macro.pk},
    )
    assert response.status_code == 400
    assert "Closing now</textarea>" in response.content.decode()
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert fresh(ticket).status == Status.NEW


def test_someone_elses_macro_is_refused(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    private = canned(desk, group=None, owner=desk.agent2, set_status="resolve")
    client.force_login(desk.agent1)
    response = client.post(
        reverse("console:ticket_reply", args=[ticket.number]),
        {"version": ticket.version, "body": "hi", "macro": private.pk},
    )
    assert response.status_code == 400
    assert fresh(ticket).status == Status.IN_PROGRESS and not Comment.objects.filter(body="hi").exists()


def test_macro_pends_on_the_supplier_it_names(client, desk, agent1):
    response = agent1.post(
        reverse("console:canned_new"),
        {"name": "Case opened with the vendor", "body": "We opened a case with the vendor.",
         "scope": f"group:{desk.first_line.pk}", "set_status": "pend", "set_pending_reason": "supplier",
         "set_group": "", "set_priority": ""},
    )
    assert response.status_code == 302
    macro = CannedResponse.objects.get(name="Case opened with the vendor")
    assert macro.set_pending_reason == "supplier"
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    html = agent1.get(reverse("console:ticket_canned", args=[ticket.number]), {"canned": macro.pk}).content.decode()
    assert "Waiting on a supplier" in html
    response = agent1.post(
        reverse("console:ticket_reply", args=[ticket.number]),
        {"version": ticket.version, "body": "We opened a case with the vendor.", "internal": "0", "macro": macro.pk},
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert (ticket.status, ticket.pending_reason) == (Status.PENDING, "supplier")
