"""Official public holidays and adjusted working days (调休), from a maintained source per country.

China (CN): the ``chinesecalendar`` package (import name ``chinese_calendar``), which follows the State
Council's yearly notice (国务院办公厅关于部分节假日安排的通知, published around November for the next
year). A desk gets next year's days by upgrading that package once the notice is out and running
``servicedesk load-holidays --country CN --year <year>``. The package says which years it covers; a
year it does not cover is refused with a message saying so, never loaded empty.
"""

from __future__ import annotations

from datetime import date
from importlib import metadata

__all__ = ["MissingYear", "load_official_days", "official_day_names", "official_days_info"]

MONDAY = 0

# The package names each break in English; the calendar shows both, as the notices' own words come first.
CN_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class MissingYear(LookupError):
    """The source has no official days for a year asked for (not yet published, or too old)."""


def _cn():
    import chinese_calendar

    holidays = chinese_calendar.constants.holidays  # date → the break's English name, weekends inside it too
    workdays = chinese_calendar.constants.workdays  # adjusted working day → the break it makes up for
    return holidays, workdays


def _source(country: str):
    country = country.upper()
    if country != "CN":
        raise LookupError(f"no official holiday source for country {country!r} (CN is supported)")
    return _cn()


def official_days_info(country: str = "CN") -> dict:
    """Where the official days come from and which years the installed source covers."""
    holidays, workdays = _source(country)
    years = sorted({d.year for d in holidays} | {d.year for d in workdays})
    version = metadata.version("chinesecalendar")
    return {
        "country": country.upper(),
        "name": "China: official public holidays and adjusted working days (法定节假日与调休上班日)",
        "source": f"chinesecalendar {version} (the State Council's yearly notices)",
        "time_zone": "Asia/Shanghai",
        "years": years,
    }


def _wanted_years(country: str, years) -> set[int]:
    covered = official_days_info(country)["years"]
    if years is None:
        return set(covered)
    wanted = {int(y) for y in years}
    missing = sorted(wanted - set(covered))
    if missing:
        raise MissingYear(
            f"The installed chinesecalendar ({metadata.version('chinesecalendar')}) has no official days for "
            f"{', '.join(map(str, missing))}: it covers {covered[0]}–{covered[-1]}. Once the State Council has "
            f"published that year's notice (around November), upgrade it (pip install -U chinesecalendar) and "
            f"run this again, or enter the days in the admin."
        )
    return wanted


def load_official_days(country: str = "CN", years=None, works_as: int = MONDAY) -> tuple[set[date], dict[date, int]]:
    """``(holidays, adjusted_workdays)`` for a country, ready for :class:`BusinessCalendar`.

    ``holidays`` holds every date of every official break (weekend days inside a break included);
    ``adjusted_workdays`` maps each adjusted working day (调休上班) to the weekday whose schedule it
    works — ``works_as``, Monday by default, since the notices only say that people work that day.
    ``years``: only these years (all the source covers by default); a year it lacks raises MissingYear.
    """
    if not 0 <= works_as <= 6:
        raise ValueError("works_as is a weekday 0 (Monday) to 6 (Sunday)")
    wanted = _wanted_years(country, years)
    holidays, workdays = _source(country)
    return ({d for d in holidays if d.year in wanted},
            {d: works_as for d in workdays if d.year in wanted})


def official_day_names(country: str = "CN", years=None) -> dict[date, str]:
    """The name of the break (holiday) or the break an adjusted working day makes up for, per date."""
    wanted = _wanted_years(country, years)
    holidays, workdays = _source(country)
    names = {}
    for d, name in [*holidays.items(), *workdays.items()]:
        if d.year in wanted:
            names[d] = f"{CN_NAMES[name]} {name}" if name in CN_NAMES else str(name)
    return names
