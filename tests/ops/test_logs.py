"""JSON log lines (SERVICEDESK_LOG_FORMAT=json) carry the request id of the request, or the Celery task's id."""

import io
import json
import logging
import logging.config

import pytest
from celery import shared_task

from servicedesk.ops.logs import logging_config


@pytest.fixture
def json_lines():
    """The root logger configured as SERVICEDESK_LOG_FORMAT=json configures it, writing into a buffer."""
    stream = io.StringIO()
    config = logging_config("json", "INFO")
    config["handlers"]["console"]["stream"] = stream
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_every_line_of_a_request_carries_its_request_id(client, db, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="edge-42")
    assert response.status_code == 404 and response["X-Request-ID"] == "edge-42"
    lines = json_lines()
    assert lines and all(line["request_id"] == "edge-42" for line in lines)
    assert any(line["logger"] == "django.request" and "Not Found" in line["message"] for line in lines)
    logging.getLogger("servicedesk.test").warning("outside a request")
    assert "request_id" not in json_lines()[-1]


@shared_task(name="tests.ops.chatty")
def chatty():
    logging.getLogger("servicedesk.test").warning("working on it")


def test_a_task_s_lines_carry_its_task_id(json_lines):
    chatty.apply(task_id="task-7")
    line = next(line for line in json_lines() if line["logger"] == "servicedesk.test")
    assert line["message"] == "working on it" and line["task_id"] == "task-7" and line["level"] == "WARNING"
    assert line["time"].endswith("+00:00")
