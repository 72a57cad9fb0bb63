"""The hot paths' row helpers write and read exactly what the ORM would."""

import datetime

from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from servicedesk.accounts.models import Desk, User
from servicedesk.core import rows
from servicedesk.tickets.models import Comment, HistoryEntry, Ticket


def _ticket(desk, number: str, now: datetime.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    return Ticket(desk=Desk.objects.get(is_default=True), number=number, title="VPN 断开", description="每隔十分钟",
                  requester=desk.customer1, channel="email", created_at=now, updated_at=now)


def test_insert_writes_what_save_writes_and_sends_the_signals(desk):
    seen, now = [], timezone.now()

    def record(sender, instance, **kwargs):
        seen.append((kwargs["signal"], kwargs.get("created"), kwargs["update_fields"]))

    pre_save.connect(record, sender=Ticket)
    post_save.connect(record, sender=Ticket)
    try:
        fast = rows.insert(_ticket(desk, "T-1", now))
    finally:
        pre_save.disconnect(record, sender=Ticket)
        post_save.disconnect(record, sender=Ticket)
    assert seen == [(pre_save, None, None), (post_save, True, None)]
    slow = _ticket(desk, "T-2", now)
    slow.save()
    assert fast.pk and not fast._state.adding
    columns = [f.attname for f in Ticket._meta.concrete_fields if f.attname not in ("id", "number")]
    read = Ticket.objects.values(*columns)
    assert read.get(pk=fast.pk) == read.get(pk=slow.pk)


def test_insert_many_gives_each_row_its_key_in_order(desk):
    ticket = rows.insert(_ticket(desk, "T-3"))
    entries = [HistoryEntry(ticket=ticket, actor=desk.agent1, at=timezone.now(), channel="api", event=f"e{n}",
                            version=1) for n in range(3)]
    rows.insert_many(entries)
    assert [e.event for e in HistoryEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk")] == \
        ["e0", "e1", "e2"]
    assert [HistoryEntry.objects.get(pk=e.pk).event for e in entries] == ["e0", "e1", "e2"]
    assert rows.insert_many([]) == []


def test_insert_many_splits_what_one_statement_cannot_carry(desk, monkeypatch):
    ticket = rows.insert(_ticket(desk, "T-6"))
    monkeypatch.setattr(rows, "MAX_PARAMETERS", 30)  # history rows have 11 columns: two per statement
    entries = [HistoryEntry(ticket=ticket, actor=desk.agent1, at=timezone.now(), channel="api", event=f"e{n}",
                            version=1) for n in range(5)]
    rows.insert_many(entries)
    assert [HistoryEntry.objects.get(pk=e.pk).event for e in entries] == [f"e{n}" for n in range(5)]


def test_update_writes_only_the_named_fields(desk):
    ticket = rows.insert(_ticket(desk, "T-4"))
    ticket.title = "changed"
    ticket.version = 7
    ticket.group = desk.first_line
    rows.update(ticket, ["version", "group"])
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.title, stored.version, stored.group_id) == ("VPN 断开", 7, desk.first_line.pk)


def test_select_builds_instances_as_a_queryset_does(desk):
    ticket = rows.insert(_ticket(desk, "T-5"))
    Comment.objects.create(ticket=ticket, author=desk.customer1, body="还是不行", created_at=timezone.now())
    quote = connection.ops.quote_name
    [fast] = rows.select(Ticket, f"{quote('id')} = %s", [ticket.pk], for_update=True)
    slow = Ticket.objects.get(pk=ticket.pk)
    for field in Ticket._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
    assert isinstance(fast.created_at, datetime.datetime) and timezone.is_aware(fast.created_at)
    assert fast.priority_overridden is False and not fast._state.adding
    assert fast.requester == desk.customer1  # relations load as usual
    users = rows.select(User, f"LOWER({quote('email')}) = %s LIMIT 2", [desk.customer1.email.lower()])
    assert users == [desk.customer1] and users[0].is_active is True
    assert rows.select(Ticket, f"{quote('id')} = %s", [0]) == []
