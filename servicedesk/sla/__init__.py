"""Service levels. For now the pure clock maths (:mod:`servicedesk.sla.clock`) and the official
holiday data (:mod:`servicedesk.sla.holidays`); no Django models here yet."""

from servicedesk.sla.clock import BusinessCalendar, NoWorkingTimeError
from servicedesk.sla.holidays import load_official_days, official_days_info

__all__ = ["BusinessCalendar", "NoWorkingTimeError", "load_official_days", "official_days_info"]
