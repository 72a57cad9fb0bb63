"""The portal's small words in both languages: "just now" rather than "0 minutes ago", and too-long
entries said in the desk's words."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Ticket


@pytest.fixture(params=["en", "zh-hans"])
def customer1(request, desk):
    desk.customer1.language = request.param
    desk.customer1.save(update_fields=["language"])
    client = Client()
    client.force_login(desk.customer1)
    client.language = request.param
    return client


def test_a_request_changed_under_a_minute_ago_was_updated_just_now(customer1, desk):
    fresh = actions.create_ticket(actor=desk.customer1, title="VPN drops", description="Every hour.",
                                  channel=Channel.PORTAL)
    older = actions.create_ticket(actor=desk.customer1, title="Printer jams", description="Floor 3.",
                                  channel=Channel.PORTAL)
    Ticket.objects.filter(pk=older.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=3))
    for page in ("portal:home", "portal:requests"):
        html = customer1.get(reverse(page)).content.decode().replace("\xa0", " ")
        assert fresh.number in html
        if customer1.language == "en":
            assert "updated just now" in html and "updated 3 hours ago" in html
            assert "0 minutes" not in html
        else:
            assert "刚刚更新" in html and "3 小时前更新" in html
            assert "0 分钟" not in html


def test_a_too_long_summary_is_said_in_the_desks_words(customer1):
    response = customer1.post(reverse("portal:new"), {
        "type": "incident", "title": "x" * 256, "description": "Black screen.", "urgency": "2",
    })
    html = response.content.decode()
    if customer1.language == "en":
        assert "The summary is too long (256 characters); keep it to 255 and put the rest in the details." in html
    else:
        assert "摘要过长（256 个字符）：请控制在 255 个字符以内，其余内容写在详情中。" in html
    assert "确保" not in html and "Ensure this value" not in html
