"""The lockout's message sends a locked-out person to the service desk: whoever manages them unlocks
them now (docs/identity.md, People), not administrators only."""

from django.conf import settings
from django.test import Client, override_settings

PASSWORD_WRONG = "wrong-password"


def _locked_page(language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for _ in range(settings.SERVICEDESK_LOGIN_FAILURE_LIMIT):
        answer = client.post("/login/", {"username": "customer1", "password": PASSWORD_WRONG})
    assert answer.status_code == 429
    return answer.content.decode()


def test_the_lockout_message_sends_the_person_to_the_service_desk(desk):
    page = _locked_page("en")
    assert "ask the service desk to unlock it" in page and "administrator" not in page


def test_in_chinese_and_without_an_expiry_too(desk):
    assert "请服务台解锁" in _locked_page("zh-hans")
    with override_settings(SERVICEDESK_LOCKOUT_MINUTES=0):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        answer = client.post("/login/", {"username": "customer1", "password": PASSWORD_WRONG})
    assert "需由服务台解锁" in answer.content.decode()
