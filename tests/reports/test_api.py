"""/api/v1/reports: the engine's numbers over HTTP, its refusals as JSON in the caller's language."""

import pytest

FEB_SHANGHAI = {"start": "2026-02-01", "end": "2026-02-28", "tz": "Asia/Shanghai"}


def test_kpis_with_series_and_comparison(february, api):
    answer = api("admin").get("reports/kpis", {**FEB_SHANGHAI, "keys": "tickets_created,backlog", "compare": "1"})
    assert answer.status_code == 200, answer.json_body
    body = answer.json_body
    assert body["filters"] == {**FEB_SHANGHAI, "granularity": "day"}
    created = body["kpis"][0]
    assert (created["key"], created["total"], created["count"], created["previous_total"]) == (
        "tickets_created", 3, 3, 1)
    assert created["unit"] == "count" and created["section"] == "volume" and created["definition"]
    assert created["series"][0] == {"period": "2026-02-01", "value": 1}
    assert len(created["series"]) == 28
    assert body["kpis"][1]["key"] == "backlog"


def test_every_kpi_by_default_in_the_callers_language(february, api):
    body = api("manager").get("reports/kpis", FEB_SHANGHAI, HTTP_ACCEPT_LANGUAGE="zh-hans").json_body
    labels = {k["key"]: k["label"] for k in body["kpis"]}
    assert labels["first_contact_resolution"] == "首次解决率"
    assert {"tickets_created", "cost_per_ticket", "sla_breaches", "backlog"} <= set(labels)


def test_the_callers_zone_is_the_default(february, api, desk):
    desk.admin.time_zone = "UTC"
    desk.admin.save()
    body = api("admin").get("reports/kpis", {"start": "2026-02-01", "end": "2026-02-28",
                                             "keys": "tickets_created"}).json_body
    assert body["filters"]["tz"] == "UTC" and body["kpis"][0]["total"] == 2


def test_breakdown_distribution_and_tickets(february, api, desk):
    admin = api("admin")
    rows = admin.get("reports/kpis/tickets_created/breakdown", {**FEB_SHANGHAI, "by": "group"}).json_body
    assert rows["by"] == "group" and [(r["id"], r["count"]) for r in rows["rows"]] == [
        (desk.first_line.pk, 2), (desk.second_line.pk, 1)]
    buckets = admin.get("reports/kpis/first_response_in_time/distribution", FEB_SHANGHAI).json_body["buckets"]
    assert buckets[0] == {"label": "< 15 min", "count": 1}
    page = admin.get("reports/kpis/tickets_created/tickets", {**FEB_SHANGHAI, "limit": "2"}).json_body
    assert [t["number"] for t in page["items"]] == [february["B"].number, february["C"].number]
    rest = admin.get("reports/kpis/tickets_created/tickets", {**FEB_SHANGHAI, "cursor": page["next_cursor"]})
    assert [t["number"] for t in rest.json_body["items"]] == [february["A"].number]
    one_day = admin.get("reports/kpis/tickets_created/tickets", {**FEB_SHANGHAI, "period": "2026-02-01"}).json_body
    assert [t["number"] for t in one_day["items"]] == [february["A"].number]


@pytest.mark.parametrize(("path", "params", "status", "words"), [
    ("reports/kpis", {"start": "2026-13-01"}, 400, "“start”"),
    ("reports/kpis", {"keys": "nonsense"}, 404, "nonsense"),
    ("reports/kpis/nonsense/breakdown", {"by": "group"}, 404, "nonsense"),
    ("reports/kpis/tickets_created/breakdown", {"by": "colour"}, 400, "“by”"),
    ("reports/kpis/tickets_created/distribution", {}, 404, "tickets_created"),
    ("reports/kpis/tickets_created/tickets", {"period": "2026-02-31"}, 400, "“period”"),
    ("reports/kpis/tickets_created/tickets", {"cursor": "forged"}, 400, "cursor"),
])
def test_bad_parameters(february, api, path, params, status, words):
    answer = api("admin").get(path, params)
    assert answer.status_code == status and words in answer.json_body["message"], answer.json_body


def test_refusals_in_chinese(february, api):
    answer = api("manager").get("reports/kpis", {"granularity": "hour"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 400 and "参数“granularity”" in answer.json_body["message"]


def test_scope(february, api, desk):
    assert api("customer1").get("reports/kpis").status_code == 403
    mine = api("agent1").get("reports/kpis", {**FEB_SHANGHAI, "keys": "tickets_created"}).json_body
    assert mine["kpis"][0]["total"] == 2 and mine["filters"]["agent"] == str(desk.agent1.pk)
    other = api("agent1").get("reports/kpis", {**FEB_SHANGHAI, "agent": str(desk.agent2.pk)})
    assert other.status_code == 403
    listed = api("agent1").get("reports/kpis/tickets_created/tickets", FEB_SHANGHAI).json_body["items"]
    assert {t["number"] for t in listed} == {february["A"].number, february["C"].number}


def test_openapi_documents_the_reports(api):
    schema = api("admin").get("/api/v1/openapi.json").json_body
    operation = schema["paths"]["/api/v1/reports/kpis"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"start", "end", "tz", "group", "agent", "keys", "compare"}
    assert "KpisOut" in schema["components"]["schemas"]
