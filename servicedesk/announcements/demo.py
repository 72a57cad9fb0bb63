"""The demo desk's service notices (`servicedesk demo`, with the tickets): a current e-mail outage for
organisation A, a planned network change for everyone, and yesterday's ended VPN degradation."""

import datetime

from django.utils import timezone

from servicedesk.accounts.models import Organisation
from servicedesk.core.audit import Channel
from servicedesk.tickets.models import Category, Service

from . import actions
from .models import Announcement

AFTER = ("accounts", "tickets")


def _service_of(category_name: str) -> list[Service]:
    category = Category.objects.filter(name=category_name, parent=None).select_related("service").first()
    return [category.service] if category else []


def load(demo) -> None:
    if not demo.full or Announcement.objects.exists():
        return
    manager = demo.people["manager"]
    now = timezone.now().replace(second=0, microsecond=0)
    hour = datetime.timedelta(hours=1)
    organisation_a = Organisation.objects.filter(name="Organisation A").first()
    notices = [
        actions.AnnouncementInput(
            kind="outage", title="E-mail is down", title_zh="邮件服务中断",
            body="Organisation A's mail cannot be sent or received. We are restoring the mail server; no need "
                 "to report it again.",
            body_zh="A 组织的邮件无法收发。我们正在恢复邮件服务器，无需重复报告。",
            starts_at=now - hour, services=_service_of("Email"),
            # Organisation A's own trouble: its customers see it, the public status page does not.
            organisations=[organisation_a] if organisation_a else [], public=False),
        actions.AnnouncementInput(
            kind="planned_change", title="Network maintenance", title_zh="网络维护",
            body="The network and VPN are unavailable for an hour while the core switches are upgraded.",
            body_zh="核心交换机升级期间，网络和 VPN 将中断约一小时。",
            starts_at=now + 72 * hour, ends_at=now + 73 * hour, services=_service_of("VPN"), public=True),
        actions.AnnouncementInput(
            kind="degradation", title="VPN was slow", title_zh="VPN 访问缓慢",
            body="Connections took long to set up; solved.", body_zh="连接建立缓慢，已解决。",
            starts_at=now - 30 * hour, ends_at=now - 26 * hour, services=_service_of("VPN"), public=True),
    ]
    for data in notices:
        actions.create_announcement(data, actor=manager, channel=Channel.COMMAND)
