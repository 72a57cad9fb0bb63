"""Service levels: the pure clock maths (:mod:`servicedesk.sla.clock`), the official holiday data
(:mod:`servicedesk.sla.holidays`), calendars and policies (:mod:`servicedesk.sla.models`) and the SLA
state derived from a ticket's history (:mod:`servicedesk.sla.clocks`)."""

from servicedesk.sla.clock import BusinessCalendar, NoWorkingTimeError
from servicedesk.sla.holidays import load_official_days, official_days_info

__all__ = ["BusinessCalendar", "NoWorkingTimeError", "load_official_days", "official_days_info"]
