"""The directory's status for administrators (the admin's directory syncs page), in both languages."""

import pytest
from django.test import Client

from servicedesk.directory import actions
from tests.services import free_port


def admin_page(desk, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(desk.admin)
    desk.admin.language = language
    desk.admin.save(update_fields=["language"])
    response = client.get("/admin/directory/syncrun/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("language", "answers", "counts"), [
    ("en", "The directory answers.", "2 created, 0 updated, 0 deactivated, 0 reactivated, 0 unchanged"),
    ("zh-hans", "目录服务器可以连接。", "新建 2，更新 0，停用 0，重新启用 0，未变 0"),
])
def test_the_status_shows_the_directory_and_the_last_sync(desk, directory, language, answers, counts):
    actions.sync()
    html = admin_page(desk, language)
    assert answers in html and counts in html and directory.uri in html


def test_the_status_shows_a_directory_that_is_down_and_a_failed_sync(desk, directory, settings):
    settings.SERVICEDESK_LDAP_URI = f"ldap://127.0.0.1:{free_port()}"
    actions.sync()
    html = admin_page(desk, "en")
    assert "The directory cannot be reached" in html and "The directory could not be read" in html


def test_without_a_directory_the_status_says_how_to_set_one(desk, settings):
    settings.SERVICEDESK_LDAP_URI = ""
    assert "No directory is configured" in admin_page(desk, "en")


def test_only_administrators_see_it(desk):
    client = Client()
    client.force_login(desk.manager)
    assert client.get("/admin/directory/syncrun/").status_code == 302
