"""Official public holidays and adjusted working days, from documented data files in this package.

Each country has one JSON file here (``cn.json`` for China) that names its source (the official
notice per year) and exactly what it covers. The files are data, not code: administrators add the
next year's notice by editing the file, and organisations add their own closures to the calendar.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from importlib import resources

__all__ = ["load_official_days", "official_day_names", "official_days_info"]

MONDAY = 0


@cache
def _data(country: str) -> dict:
    name = f"{country.lower()}.json"
    path = resources.files(__package__).joinpath(name)
    if not country.isalpha() or not path.is_file():
        raise LookupError(f"no official holiday data for country {country!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def official_days_info(country: str = "CN") -> dict:
    """The data file's description: country, source, note, time zone and the years it covers."""
    data = _data(country.upper())
    return {
        "country": data["country"],
        "name": data["name"],
        "source": data["source"],
        "note": data["note"],
        "time_zone": data.get("time_zone"),
        "years": {int(year): entry["source"] for year, entry in data["years"].items()},
    }


def load_official_days(country: str = "CN", years=None, works_as: int = MONDAY) -> tuple[set[date], dict[date, int]]:
    """``(holidays, adjusted_workdays)`` for a country, ready for :class:`BusinessCalendar`.

    ``holidays`` holds every date of every official break (weekend days inside a break included);
    ``adjusted_workdays`` maps each adjusted working day (调休上班) to the weekday whose schedule it
    works — ``works_as``, Monday by default, since the notices only say that people work that day.
    ``years`` restricts the result to some of the years the file covers (all by default).
    """
    if not 0 <= works_as <= 6:
        raise ValueError("works_as is a weekday 0 (Monday) to 6 (Sunday)")
    data = _data(country.upper())
    wanted = None if years is None else {int(y) for y in years}
    holidays: set[date] = set()
    adjusted: dict[date, int] = {}
    for year, entry in data["years"].items():
        if wanted is not None and int(year) not in wanted:
            continue
        for item in entry["holidays"]:
            day, last = date.fromisoformat(item["from"]), date.fromisoformat(item["to"])
            while day <= last:
                holidays.add(day)
                day += timedelta(days=1)
        for item in entry["adjusted_workdays"]:
            adjusted[date.fromisoformat(item["date"])] = works_as
    return holidays, adjusted


def official_day_names(country: str = "CN", years=None) -> dict[date, str]:
    """The name of the break (holiday) or the break an adjusted working day makes up for, per date."""
    data = _data(country.upper())
    wanted = None if years is None else {int(y) for y in years}
    names: dict[date, str] = {}
    for year, entry in data["years"].items():
        if wanted is not None and int(year) not in wanted:
            continue
        for item in entry["holidays"]:
            day, last = date.fromisoformat(item["from"]), date.fromisoformat(item["to"])
            while day <= last:
                names[day] = item["name"]
                day += timedelta(days=1)
        for item in entry["adjusted_workdays"]:
            names[date.fromisoformat(item["date"])] = item.get("for", "")
    return names
