"""The registry other apps add their KPIs to, and the definitions docs/kpis.md repeats."""

import datetime
import re
from pathlib import Path

import pytest

from servicedesk.reports import kpis
from servicedesk.reports.kpis import Filters, Kpi, Value

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"
MONTH = Filters(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 28), tz="UTC")


@pytest.fixture
def visitors():
    """A KPI registered as another app would (self-service), counting one visitor per channel letter."""
    seen = []

    def compute(user, filters, keys):
        seen.append(filters)
        n = len(filters.channel or "") or 7
        return {"visitors": Value(key="visitors", total=n, count=n, series=[(p, None) for p in filters.periods()])}

    kpi = Kpi(key="visitors", label="Visitors", definition="People who came.", unit="count",
              section="self_service", better="up", drill=False)
    kpis.register(kpi, compute=compute)
    yield seen
    kpis.KPIS.pop("visitors")
    kpis._providers.pop("visitors")


def test_sections_stay_in_order(visitors):
    sections = [kpi.section for kpi in kpis.KPIS.values()]
    assert sections == sorted(sections, key=kpis.SECTIONS.index)
    assert list(kpis.KPIS)[-1] == "visitors"


def test_a_kpi_without_its_own_breakdown_is_computed_per_value(visitors, desk):
    rows = kpis.breakdown(desk.manager, "visitors", MONTH, "channel")
    assert [(row.id, row.count) for row in rows][:2] == [("monitoring", 10), ("console", 7)]
    assert all(filters.channel for filters in visitors)


def test_no_drill_down_or_distribution_where_none_was_registered(visitors, desk):
    with pytest.raises(kpis.NotFound):
        kpis.tickets(desk.manager, "visitors", MONTH)
    with pytest.raises(kpis.NotFound):
        kpis.distribution(desk.manager, "visitors", MONTH)


def test_a_kpi_needs_a_known_section():
    with pytest.raises(ValueError):
        kpis.register(Kpi(key="x", label="x", definition="x", unit="count", section="mood", better=None,
                          drill=False), compute=lambda *a: {})


def test_docs_give_every_definition():
    """docs/kpis.md states each record-derived KPI's definition in the words the screens show."""
    text = re.sub(r"\s+", " ", DOCS.read_text())
    from servicedesk.reports import measures

    for key in [*measures.MEASURES, "backlog"]:
        definition = str(kpis.KPIS[key].definition)
        assert f"`{key}`" in text or key.startswith("contacts_"), key
        assert definition in text or key.startswith("contacts_"), key


def test_the_full_demo_sets_rates(desk):
    from types import SimpleNamespace

    from servicedesk.reports import demo
    from servicedesk.reports.models import CostRate

    assert not CostRate.objects.exists()          # the desk without tickets has none
    demo.load(SimpleNamespace(full=True))

    assert CostRate.objects.filter(role="agent", hourly_rate=120).exists()
    assert CostRate.objects.filter(group=desk.second_line, hourly_rate=200).exists()
