"""The console's people screens: list and filters, a person's page and its acts, the erasure's confirmation,
the personal-data pages and the auditor's export, in both languages."""

import json

from django.core import mail
from django.test import Client

from servicedesk.accounts.models import User


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_list_searches_and_filters(desk):
    page = signed_in(desk.agent1).get("/console/people/", {"q": desk.customer3.email}).content.decode()
    assert desk.customer3.username in page and desk.customer1.username not in page
    inactive = signed_in(desk.agent1).get("/console/people/", {"active": "no"}).content.decode()
    assert desk.customer3.username not in inactive
    assert signed_in(desk.customer1).get("/console/people/").status_code == 302


def test_the_screen_in_chinese(desk):
    User.objects.filter(pk=desk.agent1.pk).update(language="zh-hans")
    page = signed_in(User.objects.get(pk=desk.agent1.pk), "zh-hans").get("/console/people/").content.decode()
    assert "人员" in page and "新建客户" in page


def test_create_a_customer_and_invite(desk, django_capture_on_commit_callbacks):
    client = signed_in(desk.agent1)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/console/people/new/", {"name": "Ada Lovelace", "email": "ada@example.org",
                                                      "invite": "on"})
    person = User.objects.get(email="ada@example.org")
    assert answer.status_code == 302 and answer["Location"] == f"/console/people/{person.pk}/"
    assert mail.outbox[0].to == ["ada@example.org"]
    refused = client.post("/console/people/new/", {"name": "Ada again", "email": "ADA@example.org"})
    assert refused.status_code == 400 and "already known" in refused.content.decode()


def test_edit_and_deactivate_on_the_persons_page(desk):
    client = signed_in(desk.agent1)
    url = f"/console/people/{desk.customer2.pk}/"
    assert client.post(url, {"first_name": "Bob", "phone": "12345", "email": desk.customer2.email}).status_code == 302
    assert User.objects.get(pk=desk.customer2.pk).phone == "12345"
    client.post(url + "deactivate/", {"reason": "left"})
    assert not User.objects.get(pk=desk.customer2.pk).is_active
    assert "Deactivated" in client.get(url).content.decode()
    assert client.get(f"/console/people/{desk.manager.pk}/").status_code == 404


def test_the_erasure_asks_for_the_name(desk):
    client = signed_in(desk.manager, "zh-hans")
    url = f"/console/people/{desk.customer2.pk}/erase/"
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"confirm": "nobody"})
    assert wrong.status_code == 400 and "请输入此人的姓名或用户名" in wrong.content.decode()
    assert client.post(url, {"confirm": desk.customer2.username}).status_code == 302
    assert User.objects.get(pk=desk.customer2.pk).username == f"erased-{desk.customer2.pk}"
    agent = signed_in(desk.agent1).get(f"/console/people/{desk.customer1.pk}/erase/")
    assert agent.status_code == 302 and User.objects.get(pk=desk.customer1.pk).email


def test_the_personal_data_pages(desk):
    client = signed_in(desk.admin)
    data = json.loads(client.get(f"/console/people/{desk.customer1.pk}/personal-data.json").content)
    assert data["account"]["username"] == "customer1"
    assert "customer1" in client.get(f"/console/people/{desk.customer1.pk}/personal-data/").content.decode()


def test_the_audit_export_screen(desk):
    client = signed_in(desk.manager)
    signed_in(desk.admin).post(f"/console/people/{desk.agent1.pk}/deactivate/")
    query = {"kind": "person", "id": desk.agent1.pk, "start": "2000-01-01", "end": "2000-12-31"}
    assert client.get("/console/people/audit/", query).status_code == 200
    query |= {"start": "2026-01-01", "end": "2026-12-31"}
    csv = client.get("/console/people/audit/", query | {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and ",deactivated,已停用," in csv.content.decode()
    assert client.get("/console/people/audit/", query | {"kind": "no.such"}).status_code == 400
    assert signed_in(desk.lead1).get("/console/people/audit/").status_code == 404
