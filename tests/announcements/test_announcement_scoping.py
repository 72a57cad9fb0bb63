"""Who sees which notice: the banner (portal and console), the public status page and the API. Organisation
B's customer never sees organisation A's notice anywhere; a visitor sees only public notices."""

import datetime

from django.test import Client
from django.utils import timezone

from servicedesk.announcements import actions

from .conftest import CONSOLE


def _page(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_banner_shows_a_customer_only_their_organisations_notices(desk, notice):
    notice("A", title="Mail down for A")
    notice(None, title="Printing slow for everyone", kind="degradation")
    assert "Mail down for A" in _page(desk.customer1, "/portal/")
    page = _page(desk.customer3, "/portal/")
    assert "Mail down for A" not in page and "Printing slow for everyone" in page
    console = _page(desk.agent1, "/console/queues/mine/")
    assert "Mail down for A" in console and "Printing slow for everyone" in console


def test_the_banner_shows_current_notices_in_the_readers_language(desk, notice):
    now = timezone.now()
    notice("A", title="Mail down", title_zh="邮件中断")
    notice("A", title="Upgrade tonight", starts_at=now + datetime.timedelta(hours=5))
    notice("A", title="Was down", starts_at=now - datetime.timedelta(hours=5),
           ends_at=now - datetime.timedelta(hours=1))
    page = _page(desk.customer1, "/portal/")  # customer1 reads Chinese
    assert "邮件中断" in page and "故障" in page
    assert "Upgrade tonight" not in page and "Was down" not in page
    assert "Mail down" in _page(desk.customer2, "/portal/")  # customer2 reads English


def test_the_banner_follows_a_change_at_once_and_stays_cheap(desk, notice, django_assert_max_num_queries):
    client = Client()
    client.force_login(desk.customer1)
    client.get("/portal/")
    made = notice("A", title="Mail down")
    assert "Mail down" in client.get("/portal/").content.decode()
    actions.end_announcement(made, actor=desk.manager, channel=CONSOLE)
    assert "Mail down" not in client.get("/portal/").content.decode()
    # Cached: a page with the banner reads no announcement tables once the list is built.
    with django_assert_max_num_queries(30) as queries:
        client.get("/portal/")
    assert not [q for q in queries.captured_queries if "announcements_" in q["sql"]]


def test_a_dismissed_notice_stays_hidden_for_the_session(desk, notice):
    made = notice("A", title="Mail down")
    client = Client()
    client.force_login(desk.customer1)
    response = client.post(f"/notices/{made.pk}/dismiss/", {"next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert "Mail down" not in client.get("/portal/").content.decode()
    assert client.post(f"/notices/{made.pk}/dismiss/", {"next": "https://evil.example/"})["Location"] == "/"
    assert client.post(f"/notices/{made.pk}/dismiss/", HTTP_X_REQUESTED_WITH="fetch").status_code == 204
    other = Client()
    other.force_login(desk.customer1)
    assert "Mail down" in other.get("/portal/").content.decode()


def test_the_status_page_shows_visitors_the_public_notices_only(desk, notice):
    now = timezone.now()
    notice("A", title="Public mail outage", public=True)
    notice("A", title="Internal mail outage")
    notice(None, title="Public maintenance", kind="planned_change", public=True,
           starts_at=now + datetime.timedelta(days=1))
    notice(None, title="Fixed yesterday", public=True, starts_at=now - datetime.timedelta(days=2),
           ends_at=now - datetime.timedelta(days=1))
    notice(None, title="Fixed long ago", public=True, starts_at=now - datetime.timedelta(days=20),
           ends_at=now - datetime.timedelta(days=10))
    page = _page(None, "/status/")
    assert "Public mail outage" in page and "Public maintenance" in page and "Fixed yesterday" in page
    assert "Internal mail outage" not in page and "Fixed long ago" not in page
    assert "Organisation A" not in page
    assert "Internal mail outage" in _page(desk.customer1, "/status/")
    assert "Internal mail outage" not in _page(desk.customer3, "/status/")


def test_the_status_page_in_chinese(desk, notice):
    notice(None, title="Mail down", title_zh="邮件中断", public=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get("/status/").content.decode()
    assert "服务状态" in page and "邮件中断" in page and "当前公告" in page


def test_the_api_scopes_like_the_banner(desk, notice, api):
    a = notice("A", title="Mail down for A")
    everyone = notice(None, title="For everyone", public=True)
    titles = {i["title_en"] for i in api("customer3").get("announcements").json_body["items"]}
    assert titles == {"For everyone"}
    assert api("customer3").get(f"announcements/{a.pk}").status_code == 404
    assert api("customer1").get(f"announcements/{a.pk}").json_body["organisations"] == []
    staff = api("agent1").get(f"announcements/{a.pk}").json_body
    assert [o["name"] for o in staff["organisations"]] == ["Organisation A"]
    anonymous = Client().get("/api/v1/announcements")
    assert anonymous.status_code == 200
    assert [i["id"] for i in anonymous.json()["items"]] == [everyone.pk]
    assert Client().get(f"/api/v1/announcements/{a.pk}").status_code == 404
    assert Client(HTTP_AUTHORIZATION="Bearer nonsense").get("/api/v1/announcements").status_code == 401


def test_the_api_writes_with_versions_and_clear_errors(desk, api):
    manager = api("manager")
    start = "2030-01-01T10:00:00Z"
    bad = manager.post("announcements", {"title": "Mail", "starts_at": start, "ends_at": "2030-01-01T09:00:00Z"})
    assert bad.status_code == 400 and bad.json_body["message"] == "The end must be after the start."
    made = manager.post("announcements", {"title": "Mail", "kind": "planned_change", "starts_at": start})
    assert made.status_code == 201 and made.json_body["phase"] == "planned"
    pk = made.json_body["id"]
    assert api("agent1").patch(f"announcements/{pk}", {"title": "Mine"}).status_code == 403
    assert manager.patch(f"announcements/{pk}", {"title": "Mail v2", "version": 1}).json_body["version"] == 2
    stale = manager.patch(f"announcements/{pk}", {"title": "Mail v3", "version": 1})
    assert stale.status_code == 409
    assert manager.post(f"announcements/{pk}/end").json_body["phase"] == "ended"
    assert manager.post("announcements", {"title": "X", "kind": "meteor"}).status_code == 422
    assert manager.post("announcements", {"title": "X", "services": [999999]}).status_code == 400
    far = manager.post("announcements", {"title": "X", "starts_at": "0001-01-01T00:00:00+14:00"})
    assert far.status_code == 400 and "2000" in far.json_body["message"]  # not an overflow on the way to UTC
    assert manager.get("announcements?phase=bogus").status_code == 422
    assert manager.get("announcements?cursor=nonsense").status_code == 400
    assert api("lead1").delete(f"announcements/{pk}").status_code == 403
    assert manager.delete(f"announcements/{pk}").status_code == 204


def test_a_customer_subscribes_and_staff_link_tickets_through_the_api(desk, notice, api):
    from servicedesk.tickets import actions as ticket_actions

    made = notice("A")
    assert api("customer1").post(f"announcements/{made.pk}/subscribe").json_body["subscribed"] is True
    assert api("customer1").delete(f"announcements/{made.pk}/subscribe").json_body["subscribed"] is False
    assert api("customer3").post(f"announcements/{made.pk}/subscribe").status_code == 404
    ticket = ticket_actions.create_ticket(actor=desk.customer1, title="No mail")
    assert api("customer1").post(f"announcements/{made.pk}/tickets/{ticket.number}").status_code == 403
    assert api("agent1").post(f"announcements/{made.pk}/tickets/{ticket.number}").status_code == 204
    assert api("agent1").delete(f"announcements/{made.pk}/tickets/{ticket.number}").status_code == 204
    assert api("agent1").delete(f"announcements/{made.pk}/tickets/SD-999999").status_code == 404
