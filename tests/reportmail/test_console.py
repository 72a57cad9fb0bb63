"""The console's report subscriptions screen: subscribe with the dashboard's filters carried in the link, change,
unsubscribe; one's own subscriptions only; both languages."""

import pytest
from django.test import Client

from servicedesk.core.audit import trail
from servicedesk.reportmail import actions
from servicedesk.reportmail.models import Subscription
from servicedesk.tickets.models import Service

from .conftest import UTC_MONTH_END, run, subscribe

URL = "/console/reports/subscriptions/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**values):
    return {"name": "", "frequency": "weekly", "language": "en", "time_zone": "Asia/Shanghai", "group": "",
            "channel": "", "query": "", "keys": "", **values}


def test_the_screen_in_both_languages(desk):
    english = client_for(desk.agent1).get(URL)  # agent1 reads English
    assert english.status_code == 200
    assert b"Subscribe to a report" in english.content and b'id="no-subscriptions"' in english.content
    chinese = client_for(desk.manager).get(URL).content.decode()
    assert "订阅报表" in chinese and "<h1>报表订阅</h1>" in chinese


def test_subscribe_with_the_dashboards_filters(desk):
    # A service that exists (the filters refuse an unknown id); its id differs on PostgreSQL, whose sequences
    # are not reset between tests.
    service = Service.objects.create(name="Email").pk
    client = client_for(desk.manager)
    page = client.get(URL + f"?group={desk.second_line.pk}&service={service}&start=2026-01-01&keys=tickets_created")
    assert f'<option value="{desk.second_line.pk}" selected>'.encode() in page.content
    assert f'value="service={service}"'.encode() in page.content  # carried, the dates left out
    response = client.post(URL, form(group=str(desk.second_line.pk), query=f"channel=email&service={service}",
                                     channel="phone", keys="tickets_created", name="2nd line"))
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=desk.manager)
    assert subscription.query == {"group": str(desk.second_line.pk), "channel": "phone", "service": str(service)}
    assert subscription.keys == ["tickets_created"] and subscription.name == "2nd line"
    listed = client.get(URL).content.decode()
    assert f'id="subscription-{subscription.pk}"' in listed and "2nd line" in listed


def test_a_refused_subscription_says_why(desk):
    response = client_for(desk.agent1).post(URL, form(query=f"agent={desk.agent2.pk}"))
    assert response.status_code == 400
    assert "your own figures" in response.content.decode()
    assert not Subscription.objects.exists()
    assert client_for(desk.customer1).get(URL)["Location"] == "/portal/"


@pytest.fixture
def own(desk):
    return actions.subscribe(actions.SubscriptionInput(frequency="daily", language="en", time_zone="UTC"),
                             actor=desk.agent1, channel="console")


def test_change_and_unsubscribe_ones_own(desk, own):
    client = client_for(desk.agent1)
    prefix = f"s{own.pk}-"
    data = {prefix + k: v for k, v in form(frequency="monthly", version=str(own.version)).items()}
    assert client.post(f"{URL}{own.pk}/", data).status_code == 302
    own.refresh_from_db()
    assert (own.frequency, own.time_zone, own.version) == ("monthly", "Asia/Shanghai", 2)
    stale = client.post(f"{URL}{own.pk}/", {**data, prefix + "version": "1", prefix + "frequency": "daily"},
                        follow=True)
    assert "changed since you loaded it" in stale.content.decode()
    assert client.post(f"{URL}{own.pk}/delete/").status_code == 302
    assert not Subscription.objects.filter(pk=own.pk).exists()
    assert {entry.action for entry in trail(own)} == {"created", "changed", "deleted"}


def test_someone_elses_subscription_is_not_there(desk, own):
    other = client_for(desk.agent2)
    assert other.post(f"{URL}{own.pk}/delete/").status_code == 404
    assert other.post(f"{URL}{own.pk}/", {}).status_code == 404
    assert f'subscription-{own.pk}' not in other.get(URL).content.decode()
    assert Subscription.objects.filter(pk=own.pk).exists()


def test_the_list_says_how_the_last_mail_went(desk, smtp_sink):
    subscribe(desk.agent1, zone="UTC")
    run(UTC_MONTH_END)
    page = client_for(desk.agent1).get(URL).content.decode()
    assert "2026-02-01 – 2026-02-28: sent" in page
