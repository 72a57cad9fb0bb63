"""core.rows refuses what it cannot write and says when a row is gone; the append-only tables are
guarded by the database itself (triggers, SQLite and PostgreSQL alike), whatever writes to them."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.expressions import DatabaseDefault
from django.db.models.functions import Now

from servicedesk.accounts import actions as account_actions
from servicedesk.accounts.models import User
from servicedesk.core import audit, rows
from servicedesk.core.models import AuditEntry
from servicedesk.tickets import actions
from servicedesk.tickets.models import Comment, HistoryEntry, Ticket


def _ticket(desk) -> Ticket:
    return actions.create_ticket(actor=desk.agent1, title="VPN 断开", description="每隔十分钟")


def _sql(statement: str, params=()) -> None:
    """Run raw SQL in a savepoint, so that a refusal leaves the test's transaction usable (PostgreSQL)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_update_of_a_missing_row_raises_as_save_does(desk):
    ticket = _ticket(desk)
    gone = Ticket.objects.get(pk=ticket.pk)
    gone.pk = 10**9
    gone.title = "nowhere"
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        rows.update(gone, ["title"])
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        gone.save(update_fields=["title"])  # the ORM's own answer, which rows.update gives too
    assert Ticket.objects.get(pk=ticket.pk).title == "VPN 断开"


def test_expressions_are_refused_not_written(desk):
    ticket = _ticket(desk)
    ticket.version = F("version") + 1
    with pytest.raises(TypeError, match=r"Ticket\.version"):
        rows.update(ticket, ["version"])
    stored = Ticket.objects.get(pk=ticket.pk)
    comment = Comment(ticket=stored, author=desk.agent1, body="x", created_at=Now())
    with pytest.raises(TypeError, match=r"Comment\.created_at"):
        rows.insert(comment)
    comment.created_at = DatabaseDefault(Now())  # what an unset field with db_default holds
    with pytest.raises(TypeError, match=r"Comment\.created_at"):
        rows.insert_many([comment])
    assert stored.version == 1 and not Comment.objects.filter(ticket=stored).exists()


def test_history_refuses_update_and_delete_by_raw_sql(desk):
    ticket = _ticket(desk)
    entry = HistoryEntry.objects.filter(ticket=ticket).first()
    with pytest.raises(IntegrityError, match="append-only"):
        _sql("UPDATE tickets_historyentry SET note = 'rewritten' WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _sql("DELETE FROM tickets_historyentry WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic():
            HistoryEntry.objects.filter(pk=entry.pk).update(note="rewritten")
    entry.note = "rewritten"
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic():
            rows.update(entry, ["note"])  # the statement layer skips HistoryEntry.save's own guard
    assert HistoryEntry.objects.get(pk=entry.pk).note == ""


def test_a_deleted_ticket_takes_its_history_with_it(desk):
    """What the code allowed before the guard (the admin offers no delete; the ORM cascades)."""
    ticket, other = _ticket(desk), _ticket(desk)
    actions.add_comment(ticket, actor=desk.agent1, body="还是不行")
    kept = HistoryEntry.objects.filter(ticket=other).count()
    assert HistoryEntry.objects.filter(ticket=ticket).count() >= 2 and kept
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert not HistoryEntry.objects.filter(ticket_id=ticket.pk).exists()
    assert HistoryEntry.objects.filter(ticket=other).count() == kept


def test_the_audit_trail_refuses_changes_but_outlives_its_author(desk):
    person = User.objects.create_user("temp-agent", "temp@example.com", "x", is_staff=True)
    account_actions.issue_token(person, actor=person, channel="console")
    entry = audit.trail(person).get(action="token_issued")
    with pytest.raises(IntegrityError, match="append-only"):
        _sql("UPDATE core_auditentry SET note = 'rewritten' WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _sql("UPDATE core_auditentry SET actor_id = %s WHERE id = %s", [desk.agent1.pk, entry.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _sql("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    person.delete()  # on_delete=SET_NULL: the one update allowed; the name stays
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.actor_id, kept.actor_name) == (None, "temp-agent")


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_guarded_tables_and_keeps_the_guard(desk):
    _ticket(desk)
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not HistoryEntry.objects.exists() and not Ticket.objects.exists()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append_only%'")
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE '%%append_only%%'")
        assert cursor.fetchone()[0] == 6  # three for each of the two tables
