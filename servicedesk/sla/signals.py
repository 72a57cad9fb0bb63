"""What the service-level layer tells the rest of the desk (notifications listen here).

Both are sent after the transaction that recorded the event commits, once per event.

threshold_reached
    kwargs: ticket (Ticket), target (str: "response", "resolution" or "ola"), percent (int: the
    threshold crossed, e.g. 75; 100 means the target is breached), due_at (aware datetime),
    notify (list[User]: the people to tell, as the escalation rules decided), group (Group or None:
    for an OLA, the resolver group whose target it is), event (SlaEvent: the record, with its cause
    and, if the ticket was moved, its escalation). Sent with ``send_robust``.

follow_up_digest
    kwargs: recipient (User), tickets (list[Ticket]: routed, unresolved tickets with no update
    since the last follow-up), as_lead (bool: True when the recipient gets it as the group's lead,
    listing the group's overdue follow-ups). Sent with ``send_robust``.

clocks_written
    kwargs: ticket_ids (list[int]), rows (list[SlaTarget]: the clock rows just written for them), replaced
    (list[SlaTarget]: the rows they replace, deleted in one statement without the model's delete signals). Sent
    inside the transaction that
    rewrote those tickets' clock rows (tracking.recompute_ticket / rebuild), so what is derived from them (the
    reports' facts and hourly rollup) commits with them.

events_recorded
    kwargs: events (list[SlaEvent]: the thresholds just recorded, warnings and breaches, saved). Sent inside
    the transaction of the evaluator's one INSERT statement (which sends no model signals), so what is derived
    from them (the reports' hourly breach counts) commits with them.
"""

from django.dispatch import Signal

threshold_reached = Signal()
follow_up_digest = Signal()
clocks_written = Signal()
events_recorded = Signal()
