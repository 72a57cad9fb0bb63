"""An article's files: added and removed with the audit trail, size-limited like ticket attachments,
served with the safe download headers to staff and to readers of the live article only (anonymous
readers of public articles included); anyone else gets a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from servicedesk.core import audit
from servicedesk.core.errors import NotAllowed, TooLarge
from servicedesk.knowledge import actions
from servicedesk.knowledge.actions import files
from servicedesk.knowledge.models import ArticleAttachment, Audience

CONSOLE = audit.Channel.CONSOLE
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _article(desk, audience=Audience.PUBLIC, live=True, organisations=None):
    article = actions.create_article(actions.ArticleInput(title="Printer setup", body="See the picture.",
                                                          audience=audience, organisations=organisations),
                                     actor=desk.agent1, channel=CONSOLE)
    if live:
        article = actions.publish_article(article, actor=desk.manager, channel=CONSOLE)
    return article


def _file(article, actor, name="screen.png", content=PNG):
    return files.add_attachment(article, upload=SimpleUploadedFile(name, content), actor=actor, channel=CONSOLE)


def test_add_and_remove_are_audited_and_limited(desk, settings):
    article = _article(desk)
    attachment = _file(article, desk.agent1)
    assert attachment.filename == "screen.png" and attachment.content_type == "image/png"
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(TooLarge, match="too large"):
        _file(article, desk.agent1, "big.pdf")
    with pytest.raises(NotAllowed):
        _file(article, desk.customer1)
    stored = attachment.file.name
    storage = attachment.file.storage
    files.remove_attachment(attachment, actor=desk.agent2, channel=CONSOLE)
    assert not ArticleAttachment.objects.exists()
    assert {"file_added", "file_removed"} <= set(audit.trail(article).values_list("action", flat=True))
    assert storage.exists(stored)  # removed only once the transaction commits (the test's never does)


def test_public_article_files_reach_anonymous_readers_with_safe_headers(client, desk):
    attachment = _file(_article(desk), desk.agent1, "page.html", b"<script>alert(1)</script>")
    response = client.get(reverse("knowledge:file", args=[attachment.pk, attachment.filename]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("username, audience, live, org_b_only, status", [
    (None, Audience.CUSTOMERS, True, False, 404),
    ("customer1", Audience.CUSTOMERS, True, False, 200),
    ("customer1", Audience.CUSTOMERS, True, True, 404),   # another organisation's article
    ("customer3", Audience.CUSTOMERS, True, True, 200),
    ("customer1", Audience.STAFF, True, False, 404),
    ("customer1", Audience.PUBLIC, False, False, 404),    # a draft
    (None, Audience.PUBLIC, False, False, 404),
    ("agent1", Audience.STAFF, False, False, 200),        # staff read every working copy's files
])
def test_who_gets_a_file(client, desk, username, audience, live, org_b_only, status):
    organisations = [desk.customer3.organisation] if org_b_only else None
    attachment = _file(_article(desk, audience, live, organisations), desk.agent1)
    if username:
        client.force_login(desk.users[username])
    response = client.get(reverse("knowledge:file", args=[attachment.pk, attachment.filename]))
    assert response.status_code == status


def test_the_editor_uploads_an_image_and_gets_its_markdown(client, desk):
    article = _article(desk, live=False)
    client.force_login(desk.agent1)
    url = reverse("console:kb_file_add", args=[article.pk])
    response = client.post(url, {"file": SimpleUploadedFile("打印机.png", PNG)}, HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    data = response.json()
    assert data["image"] is True and data["name"] == "打印机.png"
    assert client.get(data["url"]).status_code == 200
    response = client.post(url, {}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["message"] == "Choose a file to upload."
    editor = client.get(reverse("console:kb_edit", args=[article.pk])).content.decode()
    assert f'data-insert="![打印机.png]({data["url"]})"' in editor
    attachment = ArticleAttachment.objects.get()
    response = client.post(reverse("console:kb_file_remove", args=[article.pk, attachment.pk]))
    assert response.status_code == 302 and not ArticleAttachment.objects.exists()
    client.force_login(desk.customer1)
    assert client.post(url, {"file": SimpleUploadedFile("x.png", PNG)}).status_code == 302  # to the portal
    assert not ArticleAttachment.objects.exists()
