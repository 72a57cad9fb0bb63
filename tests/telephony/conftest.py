"""A CTI posting signed events to the desk's webhook (through the Django test client)."""

import itertools
import json

import pytest
from django.test import Client

from servicedesk.core import signing

SECRET = "cti-test-secret"
URL = "/api/v1/telephony/events"
_ids = itertools.count(1)


def event(kind: str, call_id: str, timestamp: str, **fields) -> dict:
    return {"event": kind, "event_id": fields.pop("event_id", f"ev-{next(_ids)}"), "call_id": call_id,
            "timestamp": timestamp, **fields}


@pytest.fixture
def cti(settings, db):
    """cti(payload) → the response to the payload posted and signed as the CTI does (secret=… to sign
    otherwise, body=… to send raw bytes)."""
    settings.SERVICEDESK_CTI_SECRETS = [SECRET]
    client = Client(raise_request_exception=False)

    def post(payload=None, *, secret=SECRET, body=None, **headers):
        raw = body if body is not None else json.dumps(payload).encode()
        if secret:
            headers["HTTP_X_SERVICEDESK_SIGNATURE"] = signing.header(secret, raw)
        response = client.post(URL, data=raw, content_type="application/json", **headers)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    return post
