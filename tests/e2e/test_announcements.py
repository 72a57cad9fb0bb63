"""Announcements in the browser, in both languages: a manager publishes an outage for organisation A in the
console; organisation A's customer sees the banner in the portal (and dismisses it), organisation B's does
not; the public status page lists it; the new-request form shows the known problem for its service."""

import pytest
from django.urls import reverse

from servicedesk.accounts.models import Organisation
from servicedesk.announcements.models import Announcement
from servicedesk.tickets.models import Category

from .conftest import screenshot, translated


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_outage_for_organisation_a_reaches_its_customers_only(sign_in, browser, live_server, e2e_desk, language):
    organisation = Organisation.objects.get(name="Organisation A")
    email = Category.objects.get(name="Email", parent=None)
    manager = sign_in("manager", language)
    manager.goto(f"{manager.base_url}/console/announcements/")
    assert manager.locator("h1").inner_text() == translated(language, "Announcements")
    manager.click(f"a[href='{reverse('console:notice_new')}']")
    manager.select_option("#id_kind", "outage")
    manager.fill("#id_title", "E-mail is down")
    manager.fill("#id_title_zh", "邮件服务中断")
    manager.fill("#id_body", "We are restoring the mail server.")
    manager.fill("#id_body_zh", "我们正在恢复邮件服务器。")
    manager.check(f"input[name=services][value='{email.service_id}']")
    manager.check(f"input[name=organisations][value='{organisation.pk}']")
    manager.check("#id_public")
    screenshot(manager, f"console-announcement-form-{language}")
    manager.click(".notice-form button[type=submit]")
    manager.wait_for_load_state("domcontentloaded")
    notice = Announcement.objects.get()
    assert manager.url.endswith(f"/console/announcements/{notice.pk}/")
    title = "邮件服务中断" if language == "zh-hans" else "E-mail is down"
    assert title in manager.locator("h1").inner_text()
    assert manager.locator(".notice-banner").get_by_text(title).is_visible()  # staff see every current notice
    screenshot(manager, f"console-announcement-{language}")

    customer1 = sign_in("customer1", language)
    customer1.goto(f"{customer1.base_url}/portal/")
    banner = customer1.locator(".notice-banner")
    assert banner.get_by_text(title).is_visible()
    assert translated(language, "Outage") in banner.text_content()
    screenshot(customer1, f"portal-announcement-banner-{language}")
    customer1.goto(f"{customer1.base_url}/portal/new/?category={email.pk}")
    disruption = customer1.locator("[data-disruption]")
    assert disruption.is_visible() and title in disruption.inner_text()
    assert translated(language, "Subscribe instead") in disruption.inner_text()
    screenshot(customer1, f"portal-announcement-new-request-{language}")
    other = Category.objects.exclude(service_id=email.service_id).filter(parent=None).first()
    customer1.select_option("#id_category", str(other.pk))
    assert disruption.is_hidden()  # another service chosen: not its problem
    customer1.goto(f"{customer1.base_url}/portal/")
    customer1.locator(".notice-banner button[type=submit]").click()
    customer1.locator(".notice-banner").wait_for(state="detached")
    customer1.reload()
    assert customer1.locator(".notice-banner").count() == 0  # dismissed for the session

    customer3 = sign_in("customer3", language)
    customer3.goto(f"{customer3.base_url}/portal/")
    assert customer3.locator(".notice-banner").count() == 0
    assert title not in customer3.content()

    locale = "zh-CN" if language == "zh-hans" else "en-US"
    visitor = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"})
    try:
        page = visitor.new_page()
        page.goto(f"{live_server.url}/status/")
        assert page.locator("h1").inner_text() == translated(language, "Service status")
        assert title in page.locator("#current-heading + .status-service").inner_text()
        assert "Organisation A" not in page.content()
        screenshot(page, f"status-page-{language}")
    finally:
        visitor.close()
