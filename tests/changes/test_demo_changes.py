"""The demo desk's changes: one scheduled (with its notice), one awaiting approval and flagged inside the freeze."""

from django.core.management import call_command

from servicedesk.changes import conflicts
from servicedesk.changes.models import ChangeRecord, FreezeWindow, State


def test_the_demo_has_a_scheduled_change_one_awaiting_approval_and_a_freeze(db):
    call_command("demo", stdout=open("/dev/null", "w"))
    scheduled = ChangeRecord.objects.get(state=State.SCHEDULED)
    waiting = ChangeRecord.objects.get(state=State.AWAITING_APPROVAL)
    assert scheduled.announcement is not None and scheduled.ticket.item_links.exists()
    assert waiting.approval.state == "pending"
    assert [c.kind for c in conflicts.of(waiting)] == ["freeze"] and FreezeWindow.objects.count() == 1
    call_command("demo", stdout=open("/dev/null", "w"))  # idempotent
    assert ChangeRecord.objects.count() == 2
