"""The knowledge base in the console, in both languages: an agent writes a draft in the editor (toolbar,
live preview, an inline image, the category following the service), submits it to lead1, and lead1
publishes it; screenshots of the list, the editor, the article and a diff."""

import pytest

from servicedesk.knowledge.models import Article, State
from servicedesk.tickets.models import Category

from .conftest import screenshot, translated

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d4944415478da63f8cfc0"
                    "f01f0005000201a5d6e1d80000000049454e44ae426082")


def _preview_has(page, text: str) -> None:
    page.locator("#kb-preview").get_by_text(text).first.wait_for()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_agent_writes_a_draft_lead_publishes_it(sign_in, e2e_desk, language, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    lead = e2e_desk["lead1"]
    category = Category.objects.filter(is_active=True, parent__isnull=True).select_related("service").first()
    page = sign_in("agent1", language)
    page.goto(f"{page.base_url}/console/")
    page.get_by_role("link", name=translated(language, "Knowledge base")).click()
    page.wait_for_load_state("domcontentloaded")
    page.get_by_role("link", name=translated(language, "New article")).click()
    page.wait_for_load_state("domcontentloaded")

    page.fill("#id_title", "VPN drops every hour" if language == "en" else "VPN 每小时断开")
    page.fill("#id_summary", "Renew the certificate.")
    page.locator("#id_body").fill("Open the VPN client")
    page.locator("#id_body").select_text()
    page.locator(".kb-toolbar [data-md=bold]").click()
    with page.expect_response(lambda r: "/console/kb/preview/" in r.url):
        page.locator("#id_body").press("End")
        page.locator("#id_body").type("\n\n- step one")
    page.locator("#kb-preview strong").get_by_text("Open the VPN client").wait_for()
    _preview_has(page, "step one")
    with page.expect_response(lambda r: "/console/kb/categories/" in r.url):
        page.select_option("#id_service", str(category.service_id))
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_tags", "VPN, 证书")
    screenshot(page, f"console-kb-editor-{language}")
    page.get_by_role("button", name=translated(language, "Save"), exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    article = Article.objects.get()
    assert page.url.endswith(f"/console/kb/{article.pk}/")
    assert article.state == State.DRAFT and article.category == category and article.owner.username == "agent1"

    # A second save with an inline image uploaded from the toolbar: a new version.
    page.get_by_role("link", name=translated(language, "Edit"), exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    page.locator("#id_body").press("Control+End")
    with page.expect_response(lambda r: r.url.endswith(f"/console/kb/{article.pk}/files/")):
        page.locator("[data-image-input]").set_input_files(
            {"name": "vpn.png", "mimeType": "image/png", "buffer": PNG})
    page.locator("#kb-preview img[alt='vpn.png']").wait_for()
    assert "![vpn.png](/kb/files/" in page.locator("#id_body").input_value()
    page.fill("#id_note", "picture added")
    page.get_by_role("button", name=translated(language, "Save"), exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    page.locator(".kb-body img[alt='vpn.png']").wait_for()
    article.refresh_from_db()
    assert article.current_version == 2

    page.select_option("#kb-reviewer", str(lead.pk))
    page.get_by_role("button", name=translated(language, "Submit for review")).click()
    page.wait_for_load_state("domcontentloaded")
    article.refresh_from_db()
    assert article.state == State.REVIEW and article.reviewer == lead
    screenshot(page, f"console-kb-article-{language}")
    page.get_by_role("link", name=translated(language, "Versions"), exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    page.get_by_role("button", name=translated(language, "Compare")).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".kb-diff-add").count() >= 1
    screenshot(page, f"console-kb-diff-{language}")

    reviewer = sign_in("lead1", language)
    reviewer.goto(f"{reviewer.base_url}/console/kb/?review=on")
    screenshot(reviewer, f"console-kb-list-{language}")
    reviewer.get_by_role("link", name=article.title).click()
    reviewer.wait_for_load_state("domcontentloaded")
    reviewer.get_by_role("button", name=translated(language, "Publish"), exact=True).click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert translated(language, "Published: readers see it now.") in reviewer.locator(".messages").inner_text()
    article.refresh_from_db()
    assert article.is_live and article.published_by == lead and article.live_version == 2
    assert page.js_errors == [] and reviewer.js_errors == []
