"""Service levels: the pure clock maths (:mod:`servicedesk.sla.clock`), the official holiday data
(:mod:`servicedesk.sla.holidays`), calendars and policies (:mod:`servicedesk.sla.models`), the SLA
state derived from a ticket's history (:mod:`servicedesk.sla.clocks`) and each group's OLA clock
(:mod:`servicedesk.sla.ola`); watching: the derived clock rows and the evaluator
(:mod:`servicedesk.sla.tracking`), escalation rules (:mod:`servicedesk.sla.escalation`) and follow-up
digests (:mod:`servicedesk.sla.followup`), run by :mod:`servicedesk.sla.tasks`."""

from servicedesk.sla.clock import BusinessCalendar, NoWorkingTimeError
from servicedesk.sla.holidays import load_official_days, official_days_info

__all__ = ["BusinessCalendar", "NoWorkingTimeError", "load_official_days", "official_days_info"]
