"""Which ticket versions one transaction committed together: one *change* for the notifications.

Most actions commit one ticket version. Some requests take several actions in one transaction: the
quick log records a call, resolves and closes it; routing rules assign a ticket in the transaction
that creates it; a macro replies, re-prioritises and resolves. People are told of such a change once,
for its net effect (see ``planning``'s supersede rule), so planning must know which versions belong
together, also when it runs later (the embedded catch-up) or in another process (a Celery worker).

While a transaction runs, every saved ticket version is noted here (the ticket row's ``post_save``,
which the actions' writes send); from the second version of one ticket on, a ``CombinedChange`` row
(first and last version) is written in that same transaction, so it commits or rolls back with the
versions it names. A transaction that saves a ticket once, the usual case, writes nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections
from django.db.models.signals import post_save
from django.dispatch import receiver

from servicedesk.tickets.models import Ticket

from .models import CombinedChange

_ATTRIBUTE = "servicedesk_notify_change"


@dataclass
class _Transaction:
    """The ticket versions the running transaction saved: {ticket id: [first, last, CombinedChange id]}."""

    tickets: dict[int, list] = field(default_factory=dict)
    committed: bool = False

    def close(self) -> None:
        self.committed = True


def _current(connection) -> _Transaction:
    """The running transaction's record, a new one when the last was committed or rolled back.

    The record's ``close`` waits in the transaction's on-commit callbacks: it runs when the
    transaction commits, and a rollback drops it from that list, so either way the record is no longer
    the running transaction's."""
    known: _Transaction | None = getattr(connection, _ATTRIBUTE, None)
    if known is not None and not known.committed and any(
            callback == known.close for _ids, callback, *_rest in connection.run_on_commit):
        return known
    fresh = _Transaction()
    connection.on_commit(fresh.close)
    setattr(connection, _ATTRIBUTE, fresh)
    return fresh


@receiver(post_save, sender=Ticket, dispatch_uid="notify.ticket_version_saved")
def ticket_version_saved(sender, instance, created, update_fields=None, raw=False, using="default", **kwargs):
    if raw or (not created and update_fields is not None and "version" not in update_fields):
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        return  # a save in autocommit is a transaction of its own: one version
    seen = _current(connection).tickets
    version = instance.version
    entry = seen.get(instance.pk)
    if entry is None:
        seen[instance.pk] = [version, version, None]
        return
    first, last, combined = entry
    if version <= last:
        return
    entry[1] = version
    if combined is None:
        entry[2] = CombinedChange.objects.create(ticket_id=instance.pk, first_version=first, last_version=version).pk
    else:
        CombinedChange.objects.filter(pk=combined).update(last_version=version)


def versions_of_change(ticket_id: int, version: int) -> list[int]:
    """The versions committed together with ``version`` of the ticket, in order (just it, usually)."""
    span = (CombinedChange.objects.filter(ticket_id=ticket_id, first_version__lte=version,
                                          last_version__gte=version)
            .values_list("first_version", "last_version").first())
    if span is None:
        return [version]
    return list(range(span[0], span[1] + 1))
