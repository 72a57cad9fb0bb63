"""The demo desk's service levels beyond the defaults: a round-the-clock policy for critical incidents,
on which the demo's critical tickets are near their due time (`servicedesk demo`)."""

from servicedesk.tickets.models import TicketType

from .models import Calendar, SlaPolicy
from .tracking import rebuild

ROUND_THE_CLOCK = "Around the clock (critical incidents)"


def load(demo) -> None:
    if not demo.full:
        return
    calendar, _ = Calendar.objects.get_or_create(
        name=ROUND_THE_CLOCK, defaults={"time_zone": "Asia/Shanghai",
                                        "weekly": {str(day): [["00:00", "00:00"]] for day in range(7)}})
    SlaPolicy.objects.get_or_create(
        name=ROUND_THE_CLOCK, defaults={"order": 5, "calendar": calendar, "priorities": [1],
                                        "ticket_types": [TicketType.INCIDENT], "first_response_minutes": 30,
                                        "resolution_minutes": 240, "follow_up_minutes": 60})


def finish(demo) -> None:
    if demo.tickets_added:
        # The clocks of tickets dated in the past: the embedded desk's catch-up looks only at the last day.
        rebuild()
