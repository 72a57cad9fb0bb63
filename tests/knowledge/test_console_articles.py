"""The knowledge base in the console: list, editor (every save a version), diff and restore, the review
workflow (submit → the reviewer publishes → unpublish), translations, and the refusals a person sees."""

import pytest
from django.urls import reverse

from servicedesk.core import audit
from servicedesk.knowledge import actions
from servicedesk.knowledge.models import Article, ArticleVersion, Audience, State
from servicedesk.tickets.models import Category

CONSOLE = audit.Channel.CONSOLE


@pytest.fixture
def agent(client, desk):
    client.force_login(desk.agent1)
    return client


def _draft(desk, title="Reset your VPN password", body="Open **VPN** settings.", **fields):
    return actions.create_article(actions.ArticleInput(title=title, body=body, **fields), actor=desk.agent1,
                                  channel=CONSOLE)


def _form(article=None, **fields):
    data = {"title": "Printer jams on tray 2", "summary": "", "body": "1. Open tray 2", "language": "en",
            "audience": "customers", "service": "", "category": "", "tags": "printer, 打印机", "owner": "",
            "review_by": "", "note": ""}
    if article is not None:
        data["version"] = article.version
    data.update(fields)
    return data


def test_a_customer_gets_no_console(client, desk):
    article = _draft(desk)
    client.force_login(desk.customer1)
    for url in (reverse("console:kb"), reverse("console:kb_article", args=[article.pk]),
                reverse("console:kb_new")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/portal/"
    client.logout()
    assert client.get(reverse("console:kb")).status_code == 302


def test_write_a_draft_then_edit_it_into_a_new_version(agent, desk):
    response = agent.post(reverse("console:kb_new"), _form(note="first"))
    assert response.status_code == 302
    article = Article.objects.get(title="Printer jams on tray 2")
    assert article.owner == desk.agent1 and article.tags == ["printer", "打印机"] and article.state == State.DRAFT
    page = agent.get(response["Location"]).content.decode()
    assert "<ol>" in page and "Open tray 2" in page and "Write the Chinese version" in page

    response = agent.post(reverse("console:kb_edit", args=[article.pk]),
                          _form(article, body="1. Open tray 2\n2. Remove the paper", note="second step"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.current_version == 2
    assert list(ArticleVersion.objects.filter(article=article).values_list("note", flat=True)) == [
        "second step", "first"]
    listing = agent.get(reverse("console:kb"), {"q": "tray", "state": "draft", "owner": "me"}).content.decode()
    assert "Printer jams on tray 2" in listing
    assert "Printer jams" not in agent.get(reverse("console:kb"), {"live": "yes"}).content.decode()


def test_bad_input_comes_back_with_the_form_filled(agent, desk):
    response = agent.post(reverse("console:kb_new"), _form(title="   ", body="My careful text"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "An article needs a title." in page and "My careful text" in page
    response = agent.post(reverse("console:kb_new"), _form(audience="everyone-ish", body="Kept text"))
    assert response.status_code == 400 and "Kept text" in response.content.decode()
    assert "everyone-ish is not one of the available choices" in response.content.decode()
    response = agent.post(reverse("console:kb_new"), _form(review_by="soon"))
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    assert not Article.objects.exists()


def test_a_stale_version_gets_the_conflict_message(agent, desk):
    article = _draft(desk)
    loaded = article.version
    actions.update_article(article, actions.ArticleInput(body="Someone else's text"), actor=desk.agent2,
                           channel=CONSOLE)
    response = agent.post(reverse("console:kb_edit", args=[article.pk]),
                          {**_form(body="My text"), "version": loaded})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this article" in page and "My text" in page
    response = agent.post(reverse("console:kb_submit", args=[article.pk]),
                          {"reviewer": desk.lead1.pk, "version": loaded})
    assert response.status_code == 409 and "Someone else changed this article" in response.content.decode()
    assert Article.objects.get(pk=article.pk).state == State.DRAFT


def test_submit_to_a_lead_who_publishes_then_unpublish(client, agent, desk):
    article = _draft(desk)
    # An agent may not publish: the page says why, nothing changes.
    response = agent.post(reverse("console:kb_publish", args=[article.pk]), {"version": article.version})
    assert response.status_code == 403
    assert "Only a group lead, desk manager or administrator may publish" in response.content.decode()
    page = agent.get(reverse("console:kb_article", args=[article.pk])).content.decode()
    assert "kb_publish" not in page and f'value="{desk.agent1.pk}"' not in page  # no self-review offered
    response = agent.post(reverse("console:kb_submit", args=[article.pk]), {"version": article.version})
    assert response.status_code == 400 and "Choose a reviewer" in response.content.decode()
    response = agent.post(reverse("console:kb_submit", args=[article.pk]),
                          {"reviewer": desk.lead1.pk, "version": article.version})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.state == State.REVIEW and article.reviewer == desk.lead1
    waiting = agent.get(reverse("console:kb"), {"review": "on"}).content.decode()
    assert article.title not in waiting  # it waits for lead1, not for agent1

    client.force_login(desk.lead1)
    assert article.title in client.get(reverse("console:kb"), {"review": "on"}).content.decode()
    response = client.post(reverse("console:kb_publish", args=[article.pk]), {"version": article.version})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_live and article.state == State.PUBLISHED and article.published_by == desk.lead1
    response = client.post(reverse("console:kb_unpublish", args=[article.pk]), {"version": article.version})
    assert response.status_code == 302
    article.refresh_from_db()
    assert not article.is_live


def test_the_page_shows_the_live_copy_while_the_working_copy_differs(client, desk):
    article = _draft(desk)
    article = actions.publish_article(article, actor=desk.manager, channel=CONSOLE)
    actions.update_article(article, actions.ArticleInput(body="A **new** way"), actor=desk.agent1, channel=CONSOLE)
    client.force_login(desk.agent1)
    page = client.get(reverse("console:kb_article", args=[article.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What readers see now" in page and "<strong>new</strong>" in page and "<strong>VPN</strong>" in page


def test_diff_and_restore(agent, desk):
    article = _draft(desk, body="line one\nline two <script>")
    article = actions.update_article(article, actions.ArticleInput(body="line one\nline 2 <script>"),
                                     actor=desk.agent1, channel=CONSOLE)
    page = agent.get(reverse("console:kb_versions", args=[article.pk])).content.decode()
    assert "Restore" in page
    response = agent.get(reverse("console:kb_diff", args=[article.pk]), {"from": 1, "to": 2})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<span class="kb-diff-del">-line two &lt;script&gt;</span>' in page
    assert '<span class="kb-diff-add">+line 2 &lt;script&gt;</span>' in page
    assert agent.get(reverse("console:kb_diff", args=[article.pk]), {"from": 1, "to": 9}).status_code == 400
    assert agent.get(reverse("console:kb_diff", args=[article.pk]), {"from": "x"}).status_code == 400
    response = agent.post(reverse("console:kb_restore", args=[article.pk]), {"number": 1, "version": article.version})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.current_version == 3 and article.body == "line one\nline two <script>"
    response = agent.post(reverse("console:kb_restore", args=[article.pk]), {"number": 7, "version": article.version})
    assert response.status_code == 404 and "This article has no version 7." in response.content.decode()


def test_write_the_other_language_version(agent, desk):
    article = _draft(desk, audience=Audience.CUSTOMERS, organisations=[desk.customer3.organisation])
    response = agent.post(reverse("console:kb_translate", args=[article.pk]), {"language": "zh-hans"})
    assert response.status_code == 302
    chinese = Article.objects.get(language="zh-hans")
    assert response["Location"] == reverse("console:kb_edit", args=[chinese.pk])
    assert chinese.translation_of == article and chinese.title == article.title
    assert chinese.audience == Audience.CUSTOMERS and chinese.state == State.DRAFT
    assert list(chinese.organisations.all()) == [desk.customer3.organisation]
    page = agent.get(reverse("console:kb_article", args=[article.pk])).content.decode()
    assert reverse("console:kb_article", args=[chinese.pk]) in page and "Write the Chinese version" not in page
    # A second Chinese version is refused with the reason.
    response = agent.post(reverse("console:kb_translate", args=[article.pk]), {"language": "zh-hans"})
    assert response.status_code == 400 and "already has a version in that language" in response.content.decode()


def test_preview_is_sanitised_and_categories_follow_the_service(agent, desk):
    response = agent.post(reverse("console:kb_preview"),
                          {"body": "**Hi** <script>alert(1)</script> [x](javascript:alert(1))"})
    html = response.content.decode()
    assert "<strong>Hi</strong>" in html and "<script" not in html and "javascript:" not in html
    category = Category.objects.select_related("service").first()
    options = agent.get(reverse("console:kb_categories"), {"service": category.service_id}).content.decode()
    assert f'value="{category.pk}"' in options
    others = Category.objects.exclude(service=category.service).first()
    assert others is None or f'value="{others.pk}"' not in options


def test_only_managers_delete(client, agent, desk):
    article = _draft(desk)
    response = agent.post(reverse("console:kb_delete", args=[article.pk]), {"version": article.version})
    assert response.status_code == 403 and Article.objects.filter(pk=article.pk).exists()
    client.force_login(desk.manager)
    response = client.post(reverse("console:kb_delete", args=[article.pk]), {"version": article.version})
    assert response.status_code == 302 and response["Location"] == reverse("console:kb")
    assert not Article.objects.filter(pk=article.pk).exists()


def test_a_bad_cursor_or_filter_is_a_400(agent, desk):
    _draft(desk)
    assert agent.get(reverse("console:kb"), {"after": "garbage"}).status_code == 400
    response = agent.get(reverse("console:kb"), {"state": "lost"})
    assert response.status_code == 400 and "lost is not one of the available choices" in response.content.decode()


def test_the_list_pages_by_keyset(agent, desk, django_assert_max_num_queries):
    for n in range(55):
        _draft(desk, title=f"Article {n:02d}")
    with django_assert_max_num_queries(12):
        response = agent.get(reverse("console:kb"))
    page = response.content.decode()
    assert "Article 54" in page and "Article 04" not in page and 'rel="next"' in page
    next_url = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = agent.get(reverse("console:kb") + next_url).content.decode()
    assert "Article 04" in second and "Article 54" not in second
