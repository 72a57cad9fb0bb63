"""A desk whose database cannot be reached answers 503 at once — JSON under /api/, a page elsewhere — not a
500 or a hang. Run in a child process whose DATABASE_URL names a loopback port nothing listens on."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, time, django
django.setup()
from django.test import Client
from django.urls import resolve
resolve("/api/v1/tickets")  # the URLs and the API loaded before the clock starts
answers = []
for path, method, language in [("/api/v1/tickets", "get", "en"), ("/api/v1/tickets", "get", "zh-hans"),
                               ("/login/", "post", "en"), ("/login/", "post", "zh-hans")]:
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Bearer not-checked-before-the-database",
                    HTTP_ACCEPT_LANGUAGE=language)
    started = time.monotonic()
    response = getattr(client, method)(path, {"username": "agent1", "password": "x"} if method == "post" else None)
    answers.append({"seconds": time.monotonic() - started, "status": response.status_code,
                    "type": response["Content-Type"],
                    "retry": response.get("Retry-After"), "body": response.content.decode()})
print(json.dumps(answers))
"""


def test_database_unavailable_is_a_503_not_a_500(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"postgres://servicedesk:x@127.0.0.1:{free_port()}/nowhere",
           "SERVICEDESK_DATA_DIR": str(tmp_path), "SERVICEDESK_SECRET_KEY": "test", "PYTHONPATH": str(ROOT),
           "DJANGO_SETTINGS_MODULE": "servicedesk.settings"}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    api_en, api_zh, page, page_zh = json.loads(out.splitlines()[-1])
    assert max(answer["seconds"] for answer in (api_en, api_zh, page, page_zh)) < 10  # refused at once, not a hang
    assert api_en["status"] == api_zh["status"] == page["status"] == page_zh["status"] == 503
    assert api_en["type"] == "application/json" and api_en["retry"] == "5"
    assert json.loads(api_en["body"])["message"] == (
        "The desk's database is unavailable for a moment. Try again shortly.")
    assert json.loads(api_zh["body"])["message"] == "服务台的数据库暂时不可用，请稍后重试。"
    assert page["type"].startswith("text/html") and page["retry"] == "5"
    assert "Unavailable for a moment" in page["body"] and "The desk&#x27;s database is unavailable" in page["body"]
    assert '<html lang="en">' in page["body"]
    # The page in the reader's language, not only its message.
    assert '<html lang="zh-hans">' in page_zh["body"] and "暂时无法使用" in page_zh["body"]
    assert "服务台的数据库暂时不可用" in page_zh["body"] and "Unavailable" not in page_zh["body"]
