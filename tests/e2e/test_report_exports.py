"""Report downloads and subscriptions in the browser, in both languages: the manager downloads this month's report
as Excel, which openpyxl reads back with the figures the desk computes (real numbers), subscribes to a weekly
report, sees it listed and stops it by the link of its mail."""

import io

import openpyxl
import pytest
from django.utils import timezone, translation

from servicedesk.accounts.models import User
from servicedesk.reportmail.actions import unsubscribe_token
from servicedesk.reportmail.models import Subscription
from servicedesk.reports import kpis
from servicedesk.tickets import actions

from .conftest import screenshot, translated


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_manager_downloads_the_excel_and_subscribes(sign_in, e2e_desk, language):
    for title in ("Printer jammed", "VPN drops", "Password expired"):
        actions.create_ticket(actor=e2e_desk["customer1"], title=title)
    manager = sign_in("manager", language)
    manager.goto(f"{manager.base_url}/console/reports/subscriptions/")
    assert manager.locator("h1").inner_text() == translated(language, "Report subscriptions")
    screenshot(manager, f"console-report-subscriptions-{language}")

    with manager.expect_download() as download:
        manager.click("#export-this-month-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    user = User.objects.get(username="manager")
    zone = user.time_zone or "UTC"
    with translation.override(language), timezone.override(zone):
        expected = kpis.compute(user, kpis.Filters.from_query({"period": "this_month"}, user=user, tz=zone))
        title = translated(language, "KPIs")
        labels = {str(kpis.KPIS[key].label): value.total for key, value in expected.values.items()}
    shown = {row[1]: row[3] for row in book[title].iter_rows(min_row=2, values_only=True)}
    assert shown == labels
    assert shown[translated(language, "Tickets created")] == 3

    manager.select_option("#id_frequency", "weekly")
    manager.select_option("#id_time_zone", "Asia/Shanghai")
    manager.click("#subscribe")
    manager.wait_for_load_state("domcontentloaded")
    subscription = Subscription.objects.get(user=user)
    assert manager.locator(f"#subscription-{subscription.pk}").is_visible()
    screenshot(manager, f"console-report-subscribed-{language}")
    # The link of the mail: one button, which stops the report.
    manager.goto(f"{manager.base_url}/report-mail/unsubscribe/{unsubscribe_token(subscription)}/")
    assert manager.locator("h1").inner_text() == translated(language, "Stop a report")
    screenshot(manager, f"report-unsubscribe-{language}")
    manager.click("#unsubscribe")
    manager.wait_for_load_state("domcontentloaded")
    assert manager.locator("#unsubscribed").is_visible()
    assert not Subscription.objects.exists()
    manager.goto(f"{manager.base_url}/console/reports/subscriptions/")
    assert manager.locator("#no-subscriptions").is_visible()
