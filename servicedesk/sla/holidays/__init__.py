"""Official public holidays and adjusted working days (调休), from a maintained source per country.

China (CN): the ``chinesecalendar`` package (import name ``chinese_calendar``), which follows the State
Council's yearly notice (国务院办公厅关于部分节假日安排的通知, published around November for the next
year). A desk gets next year's days by upgrading that package once the notice is out and running
``servicedesk load-holidays --country CN --year <year>``. The package says which years it covers; a
year it does not cover is refused with a message saying so, never loaded empty.

Other countries (HK, SG, DE, …): the ``holidays`` package, whose public holidays follow each country's
rules for any year; it has no adjusted working days.
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


def _cn_years() -> list[int]:
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def official_days_info(country: str = "CN") -> dict:
    """Where the official days come from, and the years the installed source covers (None: any year)."""
    country = country.upper()
    if country == "CN":
        return {
            "country": "CN",
            "name": "China: official public holidays and adjusted working days (法定节假日与调休上班日)",
            "source": f"chinesecalendar {metadata.version('chinesecalendar')} (the State Council's yearly notices)",
            "time_zone": "Asia/Shanghai",
            "years": _cn_years(),
        }
    import holidays

    if country not in holidays.list_supported_countries():
        raise LookupError(f"no official holiday source for country {country!r}")
    return {"country": country, "name": f"{country}: public holidays",
            "source": f"holidays {metadata.version('holidays')}", "time_zone": None, "years": None}


def _days(country: str, years) -> tuple[dict[date, str], dict[date, str]]:
    """(holiday → name, adjusted working day → the break it makes up for) of the wanted years."""
    info = official_days_info(country)
    covered = info["years"]
    if years is not None:
        wanted = {int(y) for y in years}
    else:
        wanted = set(covered) if covered is not None else {date.today().year}
    missing = sorted(wanted - set(covered)) if covered is not None else []
    if missing:
        raise MissingYear(
            f"The installed {info['source'].split(' (')[0]} has no official days for "
            f"{', '.join(map(str, missing))}: it covers {covered[0]}–{covered[-1]}. Once the State Council has "
            f"published that year's notice (around November), upgrade it (pip install -U chinesecalendar) and "
            f"run this again, or enter the days in the admin."
        )
    if info["country"] == "CN":
        from chinese_calendar import constants

        def named(name):
            return f"{CN_NAMES[name]} {name}" if name in CN_NAMES else str(name)

        return ({d: named(n) for d, n in constants.holidays.items() if d.year in wanted},
                {d: named(n) for d, n in constants.workdays.items() if d.year in wanted})
    import holidays

    return dict(holidays.country_holidays(info["country"], years=sorted(wanted)).items()), {}


def load_official_days(country: str = "CN", years=None, works_as: int = MONDAY) -> tuple[set[date], dict[date, int]]:
    """``(holidays, adjusted_workdays)`` for a country, ready for :class:`BusinessCalendar`.

    ``holidays`` holds every date of every official break (weekend days inside a break included);
    ``adjusted_workdays`` maps each adjusted working day (调休上班) to the weekday whose schedule it
    works — ``works_as``, Monday by default, since the notices only say that people work that day.
    ``years``: only these years (by default all the CN source covers, or this year elsewhere); a year the
    source lacks raises MissingYear.
    """
    if not 0 <= works_as <= 6:
        raise ValueError("works_as is a weekday 0 (Monday) to 6 (Sunday)")
    holidays, workdays = _days(country, years)
    return set(holidays), {d: works_as for d in workdays}


def official_day_names(country: str = "CN", years=None) -> dict[date, str]:
    """The name of the break (holiday) or the break an adjusted working day makes up for, per date."""
    holidays, workdays = _days(country, years)
    return {**holidays, **workdays}
