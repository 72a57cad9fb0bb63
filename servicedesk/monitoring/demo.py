"""The demo desk's monitoring (`servicedesk demo`, with the tickets): a Prometheus Alertmanager source with no
token yet (the admin's "Issue a new token" gives one) and two alerts it sent, each an incident for the 2nd
line with its alerts panel, one of them received three times."""

from servicedesk.accounts.identity import system_user
from servicedesk.core import audit
from servicedesk.core.audit import Channel

from . import actions
from .models import AlertSource, SourceKind
from .payloads import Incoming

AFTER = ("accounts", "tickets")
SLUG = "prometheus"
SECOND_LINE = "Network and Infrastructure (2nd line)"


def load(demo) -> None:
    if not demo.full or AlertSource.objects.filter(slug=SLUG).exists():
        return
    source = AlertSource.objects.create(name="Prometheus", slug=SLUG, kind=SourceKind.ALERTMANAGER,
                                        default_group=demo.groups.get(SECOND_LINE))
    audit.record_created(source, actor=system_user(), channel=Channel.COMMAND, fields=["name", "slug", "kind"])
    disk = Incoming(fingerprint="demo-fs01-disk", status="firing", title="DiskAlmostFull: fs01 的 /srv 已用 92%",
                    description="/srv 剩余空间不足 8%，按当前速度一天内会写满。",
                    severity="warning", labels={"alertname": "DiskAlmostFull", "instance": "fs01:9100",
                                                "severity": "warning"},
                    generator_url="http://prometheus.example.cn:9090/graph?g0.expr=node_filesystem_avail_bytes")
    vpn = Incoming(fingerprint="demo-vpn-gw", status="firing", title="ProbeFailed: vpn.example.cn 无响应",
                   description="VPN 网关的黑盒探测连续 3 次失败。",
                   severity="critical", labels={"alertname": "ProbeFailed", "instance": "vpn.example.cn:443",
                                                "severity": "critical"},
                   generator_url="http://prometheus.example.cn:9090/graph?g0.expr=probe_success")
    actions.receive(source, [disk, disk, disk, vpn])
