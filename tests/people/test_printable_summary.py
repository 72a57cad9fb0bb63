"""The printable personal-data summary reads as a page in the reader's language: the account's fields by
their names, yes and no, and the other apps' parts under their names as JSON (not Python's repr)."""

from servicedesk.accounts.models import User

from .test_console import signed_in


def test_the_summary_names_the_fields_in_chinese(desk):
    User.objects.filter(pk=desk.manager.pk).update(language="zh-hans")
    client = signed_in(User.objects.get(pk=desk.manager.pk), "zh-hans")
    page = client.get(f"/console/people/{desk.customer2.pk}/personal-data/").content.decode()
    assert "<dt>用户名</dt>" in page and "<dt>username</dt>" not in page
    assert "<dd>是</dd>" in page and "<dt>密码已设置</dt><dd>是</dd>" in page and "True" not in page
    assert "<h2>双因素认证和通行密钥</h2>" in page and "<h2>单点登录</h2>" in page
    assert "{&#x27;" not in page and "&quot;unused_recovery_codes&quot;: 0" in page


def test_the_summary_names_codes_and_shows_moments_in_the_readers_time_zone(desk):
    import datetime
    import re

    from django.utils import timezone

    from servicedesk.tickets import actions
    from servicedesk.tickets.models import Ticket

    ticket = actions.create_ticket(actor=desk.customer2, title="Printer jams", requester=desk.customer2)
    at = datetime.datetime(2026, 1, 31, 17, 30, tzinfo=datetime.UTC)  # 1 February 01:30 in Shanghai
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
    User.objects.filter(pk=desk.customer2.pk).update(date_joined=at)
    User.objects.filter(pk=desk.manager.pk).update(language="zh-hans", time_zone="Asia/Shanghai")
    client = signed_in(User.objects.get(pk=desk.manager.pk), "zh-hans")
    page = client.get(f"/console/people/{desk.customer2.pk}/personal-data/").content.decode()
    assert f"<td>{ticket.number}</td><td>Printer jams</td><td>新建</td><td>2026-02-01 01:30</td>" in page
    assert "<dt>角色</dt><dd>客户</dd>" in page and "2026-01-31T17:30" not in page
    exported = timezone.localtime(timezone.now(), datetime.timezone(datetime.timedelta(hours=8)))
    assert re.search(r"导出[^<]*: (\d{4}-\d\d-\d\d \d\d:\d\d)</p>", page).group(1)[:10] == f"{exported:%Y-%m-%d}"
