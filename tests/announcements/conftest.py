"""Helpers for the announcement tests: notices of the demo desk's organisations, and actions whose
after-commit work (the mail) runs."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.accounts.models import Organisation
from servicedesk.announcements import actions
from servicedesk.core import audit
from servicedesk.tickets.models import Service
from tests.notify.conftest import _mail_server_reachable  # noqa: F401  (autouse: each test starts reachable)

CONSOLE = audit.Channel.CONSOLE


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(fn, *args, **kwargs): call fn as if its transaction committed (mail planned and sent)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def notice(desk):
    """notice(organisation="A", **fields): a current outage by the manager (organisation None: everyone)."""

    def make(organisation="A", *, actor=None, **fields):
        for name in ("title", "body"):  # an English text of the test's own has no Chinese version
            if name in fields:
                fields.setdefault(f"{name}_zh", "")
        data = {"kind": "outage", "title": "E-mail is down", "title_zh": "邮件服务中断",
                "body": "We are restoring it.", "body_zh": "我们正在恢复。",
                "starts_at": timezone.now() - datetime.timedelta(minutes=5), **fields}
        if organisation:
            data["organisations"] = [Organisation.objects.get(name=f"Organisation {organisation}")]
        data.setdefault("services", list(Service.objects.order_by("order")[:1]))
        return actions.create_announcement(actions.AnnouncementInput(**data), actor=actor or desk.manager,
                                           channel=CONSOLE)

    return make
