"""A calendar asked for around the first or the last date there is answers 400 with the reason in the viewer's
language, not a 500 (the month around 9999-12-31 runs past what a date can hold)."""

from .test_screens import client


def test_a_date_at_the_ends_of_time_is_a_400(desk):
    for raw in ("9999-12-31", "0001-01-01"):
        for view in ("month", "week"):
            shown = client(desk.agent1).get(f"/console/changes/calendar/?view={view}&date={raw}")
            assert shown.status_code == 400
            assert "Times must lie between the years 2000 and 2100." in shown.content.decode()
    chinese = client(desk.agent2, "zh-hans").get("/console/changes/calendar/?date=9999-12-31")
    assert chinese.status_code == 400 and "时间必须在 2000 年到 2100 年之间。" in chinese.content.decode()
