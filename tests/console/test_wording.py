"""The console's smaller words in both languages: the same top menu on every page, file sizes in MB,
and too-long entries said in the desk's words."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from servicedesk.tickets.models import Comment, Status

from .ticketing import make_ticket


@pytest.fixture(params=["en", "zh-hans"])
def agent1(request, client, desk):
    desk.agent1.language = request.param
    desk.agent1.save(update_fields=["language"])
    client.force_login(desk.agent1)
    client.language = request.param
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def topnav(html: str) -> list[str]:
    nav = re.search(r'<nav class="topnav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"', nav)


def test_the_top_menu_is_the_same_on_every_console_page(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    other = make_ticket(desk, Status.IN_PROGRESS, title="Printer again")
    pages = [
        reverse("console:home"),
        reverse("console:quick_log"),
        reverse("console:canned"),
        reverse("console:canned_new"),
        reverse("console:ticket", args=[ticket.number]),
        reverse("console:ticket_merge", args=[ticket.number]) + f"?into={other.number}",
        reverse("console:kb"),
    ]
    menus = {}
    for page in pages:
        response = agent1.get(page, follow=True)
        assert response.status_code == 200, page
        menus[page] = topnav(response.content.decode())
    expected = [reverse("console:home"), reverse("console:quick_log"), reverse("console:canned"), reverse("console:kb"),
                reverse("console:kb_upkeep"), reverse("console:notices"), reverse("console:robots"),
                reverse("console:calls"), reverse("console:majors"), reverse("console:reports_dashboard"),
                reverse("console:approvals"),
                reverse("console:cmdb_items"), reverse("console:problems"), reverse("console:changes"),
                reverse("people:list")]
    assert all(menu == expected for menu in menus.values()), menus
    # The page's own entry is marked, the others are not.
    quick_log = agent1.get(reverse("console:quick_log")).content.decode()
    assert f'<a href="{reverse("console:quick_log")}" class="active" aria-current="page">' in quick_log
    assert f'<a href="{reverse("console:home")}" >' in quick_log


@override_settings(SERVICEDESK_ATTACHMENT_MAX_BYTES=3 * 1024 * 1024)
def test_a_too_large_file_is_refused_in_megabytes(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    big = SimpleUploadedFile("dump.bin", b"x" * (4 * 1024 * 1024))
    response = agent1.post(
        reverse("console:ticket_reply", args=[ticket.number]),
        {"version": ticket.version, "body": "See the dump", "internal": "0", "attachments": [big]},
        follow=True,
    )
    html = response.content.decode().replace("\xa0", " ")  # filesizeformat keeps "4.0 MB" on one line
    if agent1.language == "en":
        assert "dump.bin is too large (4.0 MB); files can be at most 3.0 MB." in html
    else:
        assert "dump.bin 太大" in html and "4.0 MB" in html and "3.0 MB" in html
    assert "bytes" not in html.split("dump.bin", 1)[1][:200] and "字节" not in html
    assert not Comment.objects.filter(ticket=ticket, body="See the dump").exists()


def test_a_too_long_name_is_said_in_the_desks_words(agent1, desk):
    response = agent1.post(reverse("console:canned_new"), {
        "name": "长" * 201, "body": "Hello", "scope": "personal", "set_status": "", "set_group": "",
        "set_priority": "",
    })
    html = response.content.decode()
    if agent1.language == "en":
        assert "“Name” can be at most 200 characters (it has 201)." in html
    else:
        assert "“名称”最多 200 个字（现在 201 个）。" in html
    assert "确保" not in html and "Ensure this value" not in html
