"""What the console search reads and how its rows read: a desk without knowledge articles asks only whether it
has any; the rows' times are the user's time zone's, as strftime would write them."""

import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.knowledge import actions as knowledge_actions
from servicedesk.tickets import actions
from tests.knowledge.kbdata import CONSOLE


def search(client, text: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/console/search/", {"q": text})
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def test_a_desk_without_articles_asks_only_whether_it_has_any(client, desk):
    actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Printer jams",
                          channel="phone", group=desk.first_line)
    client.force_login(desk.agent1)
    search(client, "printer")  # caches warm
    html, sql = search(client, "printer")
    assert "Printer jams" in html
    articles = [s for s in sql if "article" in s.lower()]
    assert len(articles) == 1 and "knowledge_article" in articles[0] and "LIMIT 1" in articles[0]

    knowledge_actions.create_article(knowledge_actions.ArticleInput(title="Printer driver draft", body="x"),
                                     actor=desk.agent2, channel=CONSOLE)
    html, sql = search(client, "printer")
    assert "Printer driver draft" in html[html.index('id="articles-title"'):]
    assert len([s for s in sql if "article" in s.lower()]) > 1


def test_the_rows_times_are_written_in_the_users_zone(client, desk):
    desk.agent1.time_zone = "America/St_Johns"  # -03:30, and a zone name strftime writes with %Z
    desk.agent1.save(update_fields=["time_zone"])
    ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Printer jams",
                                   channel="phone", group=desk.first_line)
    client.force_login(desk.agent1)
    html, _sql = search(client, "printer")
    row = html[html.index(f'value="{ticket.number}"'):]
    zone = zoneinfo.ZoneInfo("America/St_Johns")
    created, updated = timezone.localtime(ticket.created_at, zone), timezone.localtime(ticket.updated_at, zone)
    assert f'<time datetime="{created.isoformat()}">{created.strftime("%Y-%m-%d %H:%M")}</time>' in row
    title = updated.strftime("%Y-%m-%d %H:%M:%S %Z")
    assert re.search(rf'<time datetime="{re.escape(updated.isoformat())}" title="{title}">'
                     rf'{updated.strftime("%Y-%m-%d %H:%M")}</time>', row)
    assert title.endswith((" NST", " NDT"))


@pytest.mark.django_db(transaction=True)  # committed changes: what the reference data keeps is keyed by them
def test_the_groups_an_agent_works_in_follow_a_change_at_the_next_request(client, desk):
    net1 = User.objects.create(username="net1", role="agent", first_name="Net", last_name="One")
    desk.second_line.members.add(net1)  # the 2nd line only: not the 1st line's wider view
    ticket = actions.create_ticket(actor=desk.manager, requester=desk.customer2, title="Router reboots",
                                   channel="phone", group=desk.third_line)
    client.force_login(net1)
    search(client, "router")  # caches warm
    html, sql = search(client, "router")
    assert ticket.number not in html
    # Read from the reference data (one indexed row tells it is current), not joined per request.
    assert not [s for s in sql if "accounts_group_members" in s]

    desk.third_line.members.add(net1)
    assert ticket.number in search(client, "router")[0]
    desk.third_line.members.remove(net1)
    assert ticket.number not in search(client, "router")[0]
    desk.third_line.lead = net1
    desk.third_line.save()
    assert ticket.number in search(client, "router")[0]
