"""Keep the report facts current, in the same transaction as the change (as search does): a write to a
ticket's record, its clock rows, its history or its time log rewrites that ticket's facts row
(facts.refresh, which moves the hourly rollup by the difference); a ticket's deletion takes its row with it
(CASCADE) and its figures out of the rollup. The rollup also counts the SLA breaches (in the ticket's facts
group) and the stopped OLA clocks (in the clock's group): from the model signals of SlaEvent and SlaTarget, and
from the SLA engine's own signals for its bulk writes (clocks_written, events_recorded). Writes that cannot
change a fact
(a ticket save touching none of its dimensions or moments, a history line about another field) cost nothing.
Bulk writes that bypass the model (QuerySet.update, raw SQL) must call facts.refresh or rebuild themselves."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from servicedesk.sla.models import SlaEvent, SlaTarget, TargetKind
from servicedesk.sla.signals import clocks_written, events_recorded
from servicedesk.tickets.models import HistoryEntry, Ticket, TimeEntry

from . import facts, rollup
from .models import Resolution, TicketFacts

TICKET_FIELDS = frozenset({"desk", "group", "assignee", "organisation", "category", "channel", "type", "created_at",
                           "resolved_at", "closed_at"})
CLOCKS = frozenset({TargetKind.RESPONSE.value, TargetKind.RESOLUTION.value})


@receiver(post_save, sender=Ticket, dispatch_uid="reports_ticket_saved")
def ticket_saved(sender, instance: Ticket, created: bool, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if created:
        facts.created(instance)
    elif update_fields is None or TICKET_FIELDS & set(update_fields):
        facts.refresh([instance.pk])


@receiver(post_save, sender=HistoryEntry, dispatch_uid="reports_history_saved")
def history_saved(sender, instance: HistoryEntry, raw=False, **kwargs):
    # Only group changes (routed beyond the 1st line, first transfer), resolutions and reopenings are facts.
    if not raw and (instance.field in ("group", "resolved_at") or instance.event == "reopen"):
        facts.refresh([instance.ticket_id])


def _deleting_ticket(origin) -> bool:
    return isinstance(origin, Ticket) or getattr(origin, "model", None) is Ticket


@receiver(post_save, sender=TimeEntry, dispatch_uid="reports_time_saved")
@receiver(post_delete, sender=TimeEntry, dispatch_uid="reports_time_deleted")
def time_changed(sender, instance: TimeEntry, raw=False, origin=None, **kwargs):
    # A ticket's deletion takes its time log with it: its facts go too (rewriting them then would leave a
    # row of a ticket that is gone, and take the rollup away from the facts row deleted after).
    if not raw and not _deleting_ticket(origin):
        facts.refresh([instance.ticket_id])


@receiver(pre_save, sender=SlaTarget, dispatch_uid="reports_clock_saving")
@receiver(pre_save, sender=SlaEvent, dispatch_uid="reports_event_saving")
def sla_row_saving(sender, instance, raw=False, **kwargs):
    # A row changed through save(): what it counted before (the engine writes in bulk, never this way).
    instance._rolled_before = sender.objects.filter(pk=instance.pk).first() if instance.pk and not raw else None


@receiver(post_save, sender=SlaTarget, dispatch_uid="reports_clock_saved")
def clock_saved(sender, instance: SlaTarget, raw=False, **kwargs):
    if raw:
        return
    if instance.key in CLOCKS:
        facts.refresh([instance.ticket_id])
    before = getattr(instance, "_rolled_before", None)
    rollup.apply([], [], old_olas=rollup.stopped_olas([before] if before else []),
                 new_olas=rollup.stopped_olas([instance]))


@receiver(post_delete, sender=SlaTarget, dispatch_uid="reports_clock_deleted")
def clock_deleted(sender, instance: SlaTarget, **kwargs):
    # Also the rows a ticket's deletion takes: an OLA clock counts in its own group.
    rollup.apply([], [], old_olas=rollup.stopped_olas([instance]))


@receiver(clocks_written, dispatch_uid="reports_clocks_written")
def clocks_rewritten(sender, ticket_ids, rows=(), replaced=(), **kwargs):
    facts.refresh(ticket_ids)
    rollup.apply([], [], old_olas=rollup.stopped_olas(replaced), new_olas=rollup.stopped_olas(rows))


def _move_breaches(old, new) -> None:
    """Move the rollup from the breaches among SlaEvent rows `old` to those among `new`, each in its ticket's
    facts group (a ticket without facts has none counted)."""
    old = [row for row in old if row.percent >= 100]
    new = [row for row in new if row.percent >= 100]
    if not old and not new:
        return
    groups = rollup.facts_groups({row.ticket_id for row in (*old, *new)})

    def counted(rows):
        return [(row.reached_at, groups[row.ticket_id]) for row in rows if row.ticket_id in groups]

    rollup.apply([], [], old_breaches=counted(old), new_breaches=counted(new))


@receiver(events_recorded, dispatch_uid="reports_events_recorded")
def events_written(sender, events, **kwargs):
    _move_breaches([], events)


@receiver(post_save, sender=SlaEvent, dispatch_uid="reports_event_saved")
def event_saved(sender, instance: SlaEvent, raw=False, **kwargs):
    if not raw:
        before = getattr(instance, "_rolled_before", None)
        _move_breaches([before] if before else [], [instance])


@receiver(post_delete, sender=SlaEvent, dispatch_uid="reports_event_deleted")
def event_deleted(sender, instance: SlaEvent, origin=None, **kwargs):
    # A ticket's deletion: its breaches left the rollup with its facts (ticket_deleting).
    if not _deleting_ticket(origin):
        _move_breaches([instance], [])


@receiver(pre_delete, sender=Ticket, dispatch_uid="reports_ticket_deleting")
def ticket_deleting(sender, instance: Ticket, **kwargs):
    # Before its facts and resolutions go with it (in whatever order the deletion takes them): their figures
    # leave the rollup, the resolutions' in the group of the facts row.
    gone = list(TicketFacts.objects.filter(ticket_id=instance.pk).only(*rollup.READ))
    if gone:
        rollup.apply(gone, [], rollup.resolutions_of(gone, Resolution.objects.filter(ticket_id=instance.pk)),
                     old_breaches=[(at, gone[0].group_id) for _pk, at in rollup.breaches_of([instance.pk])])
