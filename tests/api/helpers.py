"""Small helpers the API tests share."""

import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

DEMO_PASSWORD = "demo-pass-123"


def ids(response):
    assert response.status_code == 200, response.json_body
    return [t["id"] for t in response.json_body["items"]]


def upload(name, content, content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root):
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, response.json_body
    return len(queries), response
