"""Erasing a person on request: afterwards no text column of any table (the models' and the raw ones, like
the search index) holds their name, address or phone; tickets, their count and the KPI figures stay."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from servicedesk import search
from servicedesk.accounts import actions as accounts
from servicedesk.accounts.models import ApiToken, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.intake.models import InboundMessage
from servicedesk.people import actions
from servicedesk.people.registry import register_personal_data
from servicedesk.reports import kpis
from servicedesk.reports.filters import Filters
from servicedesk.reports.models import TicketFacts
from servicedesk.tickets import actions as tickets
from servicedesk.tickets.models import Attachment, Comment, Ticket
from tests.intake.test_ingest import deliver, mailbox  # noqa: F401  (mailbox: a fixture)
from tests.intake.test_ingest import make as mail

NAME, EMAIL, PHONE = "Zhou Jieming", "zhou.jieming@example.org", "+86 138 0013 8000"


def every_text_cell() -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value in every table of the database, read raw."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            try:
                cursor.execute(f'SELECT * FROM "{table}"')
            except Exception:  # noqa: BLE001 - a virtual table's shadow that cannot be read directly
                continue
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str):
                        found.append((table, column, value))
    return found


def mentions(*needles: str) -> list[tuple[str, str, str]]:
    lowered = [n.casefold() for n in needles]
    return [(t, c, v[:80]) for t, c, v in every_text_cell()
            if any(n in v.casefold() or n in v.encode("unicode_escape").decode().casefold() for n in lowered)]


def figures(manager) -> dict:
    today = timezone.now().date()
    report = kpis.compute(manager, Filters(tz="UTC", start=today - datetime.timedelta(days=7), end=today))
    return {key: repr(value) for key, value in report.values.items()}


@pytest.fixture
def person(desk, mailbox):  # noqa: F811
    customer = accounts.create_customer(name=NAME, email=EMAIL, phone=PHONE, organisation=desk.customer1.organisation,
                                        actor=desk.agent1, channel="console")
    message = deliver(mail(f"{NAME} <{EMAIL}>", subject=f"VPN down for {NAME}",
                           body=f"Please call me on {PHONE}.\n\n-- \n{NAME}\n"), mailbox)
    ticket = message.ticket
    tickets.add_comment(ticket, actor=customer, body=f"Still broken. {NAME}, {PHONE}", channel="portal",
                        attachments=[SimpleUploadedFile("zhou-screenshot.png", b"\x89PNG...", "image/png")])
    tickets.add_comment(ticket, actor=desk.agent1, body=f"Hello {NAME}, we will call {PHONE}.", channel="console")
    tickets.create_ticket(actor=desk.agent1, requester=customer, title="New laptop", channel="phone",
                          description=f"Ordered for zhou.jieming@EXAMPLE.org ({NAME})")
    ApiToken.issue(customer, name="mine")
    Client().force_login(customer)
    return User.objects.get(pk=customer.pk)


def test_nothing_names_an_erased_person_and_the_figures_stay(desk, person):
    assert mentions(EMAIL), "the test's data names the person"
    ticket_count, facts = Ticket.objects.count(), list(TicketFacts.objects.order_by("ticket_id").values())
    before = figures(desk.manager)

    actions.erase_person(person, confirm_name=NAME, actor=desk.manager, channel="console")

    assert mentions(NAME, EMAIL, PHONE, "8613800138000", "zhou.jieming") == []
    assert Ticket.objects.count() == ticket_count
    assert list(TicketFacts.objects.order_by("ticket_id").values()) == facts
    assert figures(desk.manager) == before
    erased = User.objects.get(pk=person.pk)
    assert erased.display_name == f"Erased person #{person.pk}" and not erased.is_active
    assert Ticket.objects.filter(requester=erased).count() == 2
    assert Comment.objects.filter(author=erased).count() == 1
    assert not ApiToken.objects.filter(user=erased).exists()
    assert not Attachment.objects.filter(uploaded_by=erased).exists()
    assert InboundMessage.objects.defer(None).get().raw_data is None
    assert audit.trail(erased).first().action == "erased"
    # The search index was rebuilt: the tickets are found by their words, not by the person's.
    assert search.search(Ticket.objects.all(), "VPN", page=False).count() == 1
    assert search.search(Ticket.objects.all(), "Jieming", page=False).count() == 0


def test_the_placeholder_is_shown_in_chinese(desk, person, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    actions.erase_person(person, confirm_name=EMAIL, actor=desk.admin, channel="console")
    assert User.objects.get(pk=person.pk).display_name == f"已删除的人员 #{person.pk}"


def test_a_registered_app_erases_its_own_data(desk, person):
    erased = []
    register_personal_data("probe", export=lambda user: {"id": user.pk}, erase=lambda user: erased.append(user.pk))
    try:
        data = actions.export_person(person, actor=desk.manager, channel="api")
        assert data["other"]["probe"] == {"id": person.pk}
        actions.erase_person(person, confirm_name=NAME, actor=desk.manager, channel="console")
    finally:
        from servicedesk.people import registry

        registry._registered.pop("probe")
    assert erased == [person.pk]


def test_the_name_must_be_typed(desk, person):
    with pytest.raises(ActionError, match="Type the person's name"):
        actions.erase_person(person, confirm_name="someone else", actor=desk.manager, channel="console")
    assert User.objects.get(pk=person.pk).email == EMAIL


@pytest.mark.parametrize("actor", ["agent1", "lead1"])
def test_only_managers_and_administrators_erase(desk, person, actor):
    with pytest.raises(NotAllowed):
        actions.erase_person(person, confirm_name=NAME, actor=desk.users[actor], channel="console")


def test_the_export_holds_what_the_desk_keeps(desk, person):
    data = actions.export_person(person, actor=desk.admin, channel="console")
    assert data["account"]["email"] == EMAIL and data["account"]["phone"] == PHONE
    assert sorted(t["title"] for t in data["tickets"]) == ["New laptop", f"VPN down for {NAME}"]
    assert [c["text"] for c in data["comments"]] == [f"Still broken. {NAME}, {PHONE}"]
    assert [m["sender"] for m in data["messages"]] == [EMAIL]
    assert [a["filename"] for a in data["attachments"]] == ["zhou-screenshot.png"]
    assert [t["name"] for t in data["access"]["api_tokens"]] == ["mine"] and len(data["access"]["sessions"]) == 1
    assert "key_hash" not in json.dumps(data) and person.password not in json.dumps(data)
    assert audit.trail(person).first().action == "personal_data_exported"
