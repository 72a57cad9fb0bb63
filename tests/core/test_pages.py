"""Shared screens: error pages in the user's language, CSRF failure, preferences."""

from django.test import Client


def test_csrf_failure_is_explained_and_nothing_is_saved(desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.customer2)  # English
    response = client.post("/preferences/", {"language": "zh-hans", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 403
    assert "nothing was saved" in response.content.decode()
    desk.customer2.refresh_from_db()
    assert desk.customer2.time_zone == "Asia/Shanghai"


def test_preferences_save_language_and_time_zone(desk, client):
    client.force_login(desk.customer2)
    response = client.post("/preferences/", {"language": "zh-hans", "time_zone": "Europe/Berlin"}, follow=True)
    assert response.status_code == 200
    desk.customer2.refresh_from_db()
    assert (desk.customer2.language, desk.customer2.time_zone) == ("zh-hans", "Europe/Berlin")
    assert "偏好设置已保存" in response.content.decode()


def test_unknown_time_zone_is_refused(desk, client):
    client.force_login(desk.customer2)
    response = client.post("/preferences/", {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


def test_home_sends_each_role_to_its_screens(desk, client):
    assert client.get("/").url == "/login/"
    client.force_login(desk.customer1)
    assert client.get("/").url == "/portal/"
    client.force_login(desk.agent1)
    assert client.get("/").url == "/console/start/"
