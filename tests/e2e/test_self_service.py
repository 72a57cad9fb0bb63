"""Self-service in a real browser, in both languages: a customer describes a problem in the new-request
form, sees a suggested article, opens it, says it helped and leaves without sending → one deflection once
the window has passed; a request sent after opening a suggestion is no deflection."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.core import audit
from servicedesk.knowledge import actions, ranking
from servicedesk.knowledge.models import ArticleEvent, EventKind, Feedback

from .conftest import screenshot

ARTICLE = {"en": ("Reset your VPN password", "Open **VPN settings** and choose *Reset password*."),
           "zh-hans": ("重置 VPN 密码", "打开 **VPN 设置**，选择“重置密码”。")}
PROBLEM = {"en": "VPN password expired", "zh-hans": "VPN 密码过期了"}
HELPED = {"en": "Yes, it helped", "zh-hans": "有帮助"}


def _publish(users, language):
    title, body = ARTICLE[language]
    data = actions.ArticleInput(title=title, body=body, language=language)
    article = actions.create_article(data, actor=users["agent1"], channel=audit.Channel.CONSOLE)
    return actions.publish_article(article, actor=users["manager"], channel=audit.Channel.CONSOLE)


def _suggested_article(page, language):
    page.goto(f"{page.base_url}/portal/new/")
    page.fill("#id_title", PROBLEM[language])
    link = page.locator("#kb-suggestions a.kb-title").first
    link.wait_for()
    assert ARTICLE[language][0] in link.inner_text()
    return link


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_suggestion_that_helped_is_a_deflection_a_sent_request_is_not(sign_in, e2e_desk, language):
    article = _publish(e2e_desk, language)
    page = sign_in("customer1", language)
    link = _suggested_article(page, language)
    screenshot(page, f"portal-new-request-suggestions-{language}")
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    tab.get_by_role("button", name=HELPED[language], exact=True).click()
    tab.wait_for_load_state()
    screenshot(tab, f"help-article-{language}")
    tab.close()
    page.goto(f"{page.base_url}/portal/")  # leaves without sending
    assert Feedback.objects.get(article=article, user=e2e_desk["customer1"]).helpful

    # Then another problem: a suggestion opened, and the request sent all the same.
    link = _suggested_article(page, language)
    with page.context.expect_page() as opened:
        link.click()
    opened.value.close()
    page.fill("#id_description", "Still locked out.")
    page.locator("form.request-form button[type=submit]").click()
    page.wait_for_url("**/portal/requests/*-*/")

    opens = ArticleEvent.objects.filter(kind=EventKind.SUGGESTED, article=article)
    assert opens.count() == 2 and opens.filter(ticket__isnull=False).count() == 1
    later = timezone.now() + ranking.DEFLECTION_WINDOW + datetime.timedelta(minutes=1)
    assert ranking.count_deflections(now=later) == 1
    assert ranking.count_deflections(now=later) == 0
    figures = ranking.deflections(timezone.now() - datetime.timedelta(hours=1), later)
    assert figures == {"total": 1, "by_article": {article.pk: 1}}

    page.goto(f"{page.base_url}/help/")
    assert ARTICLE[language][0] in page.locator("main").inner_text()
    screenshot(page, f"help-centre-{language}")
