"""A small estate for the CMDB tests: a critical payroll service depending on an application that runs on a
server; customer1's laptop; made through the actions as the manager."""

import pytest

from servicedesk.cmdb import actions
from servicedesk.cmdb.models import CiType
from servicedesk.core.audit import Channel

CONSOLE = Channel.CONSOLE


@pytest.fixture
def types(db):
    return {
        "service": CiType.objects.create(key="service", name="Service", name_zh="服务", is_service=True),
        "application": CiType.objects.create(key="application", name="Application", name_zh="应用"),
        "server": CiType.objects.create(key="server", name="Server", name_zh="服务器", fields=[
            {"key": "cpus", "label": "CPUs", "label_zh": "处理器数", "kind": "number", "required": True},
            {"key": "os", "label": "Operating system", "label_zh": "操作系统", "kind": "choice",
             "choices": ["Linux", "Windows"]},
            {"key": "bought", "label": "Bought", "label_zh": "购买日期", "kind": "date"},
        ]),
        "laptop": CiType.objects.create(key="laptop", name="Laptop", name_zh="笔记本电脑"),
    }


def make(desk, types, type_key, name, **fields):
    return actions.create_item(actor=desk.manager, channel=CONSOLE,
                               data=actions.ItemInput(type=types[type_key], name=name, **fields))


def relate(desk, source, target, kind="depends_on"):
    return actions.add_relation(source, target, kind, actor=desk.manager, channel=CONSOLE)


@pytest.fixture
def estate(desk, types):
    server = make(desk, types, "server", "srv-db-01", attributes={"cpus": 8, "os": "Linux"})
    app = make(desk, types, "application", "Payroll app")
    service = make(desk, types, "service", "Payroll", critical=True)
    laptop = make(desk, types, "laptop", "LT-0001", user=desk.customer1, serial="SN-0001")
    relate(desk, app, server, "runs_on")
    relate(desk, service, app, "depends_on")
    return {"server": server, "app": app, "service": service, "laptop": laptop}
