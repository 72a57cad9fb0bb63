"""QA of issue 15: a body that is not JSON, sent to the webhooks API (or any other router on the API), is a
400 with a reason in the user's language, like the CTI and monitoring webhooks, not django-ninja's English
"Cannot parse request body"."""

import pytest
from django.test import Client


@pytest.mark.parametrize(("language", "message"), [("en", "The body is not valid JSON."),
                                                  ("zh-hans", "请求内容不是有效的 JSON。")])
@pytest.mark.parametrize("path", ["/api/v1/webhooks", "/api/v1/tickets"])
def test_a_body_that_is_not_json_is_400_in_the_users_language(desk, language, message, path):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    desk.admin.language = ""
    desk.admin.save(update_fields=["language"])
    client.force_login(desk.admin)
    response = client.post(path, b'{"name": "cmdb", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": message}
