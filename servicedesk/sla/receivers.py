"""Keep the derived clock rows current: a committed ticket change recomputes that ticket; a change of
calendars, policies, OLA targets or escalation rules (whose thresholds are watched) asks for the open
tickets to be recomputed, which the next evaluator pass does in the background (not in the admin's
request: that can be many tickets)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from servicedesk.sla.models import Calendar, CalendarDay, EscalationRule, OlaTarget, SlaPolicy
from servicedesk.tickets.actions import ticket_changed


@receiver(ticket_changed, dispatch_uid="sla-recompute-ticket")
def recompute_on_change(sender, ticket, **kwargs):
    """With a broker: a task per change, right away. Without one (embedded): nothing here — the
    scheduler's catch-up recomputes changed tickets a few seconds later, so the request that changed
    the ticket does not pay for it, and a crash between commit and recompute loses nothing.
    SERVICEDESK_SLA_INLINE=1 recomputes in the request instead (the tests use it)."""
    from django.conf import settings

    from servicedesk.sla.tasks import recompute_ticket

    if settings.CELERY_TASK_ALWAYS_EAGER and not getattr(settings, "SERVICEDESK_SLA_INLINE", False):
        return

    # ticket_changed is sent after commit already; a nested atomic block (tests) defers to its commit.
    # robust: a broker that is down (Redis restarting) is logged, not raised into the request whose change
    # is stored already; the periodic catch-up recomputes what was not queued.
    transaction.on_commit(lambda: recompute_ticket.delay(ticket.pk), robust=True)


def _configuration_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return  # loading fixtures
    from servicedesk.sla.models import ClockRebuild

    ClockRebuild.objects.create()


for model in (Calendar, CalendarDay, SlaPolicy, OlaTarget, EscalationRule):
    post_save.connect(_configuration_changed, sender=model, dispatch_uid=f"sla-config-save-{model.__name__}")
    post_delete.connect(_configuration_changed, sender=model, dispatch_uid=f"sla-config-delete-{model.__name__}")
