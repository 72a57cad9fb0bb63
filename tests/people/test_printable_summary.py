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
