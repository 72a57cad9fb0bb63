"""Keep the report facts current, in the same transaction as the change (as search does): a write to a
ticket's record, its clock rows, its history or its time log rewrites that ticket's facts row
(facts.refresh, which moves the hourly rollup by the difference); a ticket's deletion takes its row with it
(CASCADE) and its figures out of the rollup. Writes that cannot change a fact
(a ticket save touching none of its dimensions or moments, a history line about another field) cost nothing.
Bulk writes that bypass the model (QuerySet.update, raw SQL) must call facts.refresh or rebuild themselves."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from servicedesk.sla.models import SlaTarget, TargetKind
from servicedesk.sla.signals import clocks_written
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


@receiver(post_save, sender=SlaTarget, dispatch_uid="reports_clock_saved")
def clock_saved(sender, instance: SlaTarget, raw=False, **kwargs):
    if not raw and instance.key in CLOCKS:
        facts.refresh([instance.ticket_id])


@receiver(clocks_written, dispatch_uid="reports_clocks_written")
def clocks_rewritten(sender, ticket_ids, **kwargs):
    facts.refresh(ticket_ids)


@receiver(pre_delete, sender=Ticket, dispatch_uid="reports_ticket_deleting")
def ticket_deleting(sender, instance: Ticket, **kwargs):
    # Before its facts and resolutions go with it (in whatever order the deletion takes them): their figures
    # leave the rollup, the resolutions' in the group of the facts row.
    gone = list(TicketFacts.objects.filter(ticket_id=instance.pk).only(*rollup.READ))
    rollup.apply(gone, [], rollup.resolutions_of(gone, Resolution.objects.filter(ticket_id=instance.pk)))
