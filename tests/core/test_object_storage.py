"""Attachments on an S3-compatible object store: moto's server on loopback, configured through the
documented settings (servicedesk.settings.file_storage_settings)."""

import json
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from servicedesk.settings import file_storage_settings
from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Channel
from tests.services import free_port

BUCKET = "desk-files"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    environ = {"SERVICEDESK_S3_BUCKET": BUCKET, "SERVICEDESK_S3_ENDPOINT_URL": s3_server,
               "SERVICEDESK_S3_REGION": "us-east-1", "SERVICEDESK_S3_ACCESS_KEY": "desk",
               "SERVICEDESK_S3_SECRET_KEY": "desk-secret", "SERVICEDESK_S3_ADDRESSING_STYLE": "path",
               "SERVICEDESK_S3_PREFIX": "/tenant-a/"}
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="desk", aws_secret_access_key="desk-secret")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": file_storage_settings(environ)}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored_keys(bucket) -> list[str]:
    return sorted(item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_without_a_bucket_files_stay_on_the_filesystem():
    assert file_storage_settings({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_api_upload_goes_to_the_bucket_and_downloads_stream_after_the_permission_check(desk, bucket):
    ticket = actions.create_ticket(actor=desk.customer1, title="VPN down", description="Error 809",
                                   channel=Channel.PORTAL)
    token_client = Client(HTTP_AUTHORIZATION=f"Bearer {_token(desk.customer1)}")
    content = "日志 log\n".encode() * 1000
    response = token_client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                 {"file": SimpleUploadedFile("vpn 日志.txt", content)})
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=json.loads(response.content)["id"])
    [key] = stored_keys(bucket)
    assert key.startswith("tenant-a/attachments/") and key.endswith("vpn_日志.txt")
    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == content

    download = Client(HTTP_AUTHORIZATION=f"Bearer {_token(desk.agent1)}").get(
        f"/api/v1/tickets/attachments/{attachment.pk}/download")
    assert download.status_code == 200
    assert download.streaming
    assert b"".join(download.streaming_content) == content
    assert download["Content-Length"] == str(len(content))
    assert download["Content-Type"] == "text/plain"
    assert download["Content-Disposition"].startswith("attachment;")

    other_customer = Client(HTTP_AUTHORIZATION=f"Bearer {_token(desk.customer3)}")
    refused = other_customer.get(f"/api/v1/tickets/attachments/{attachment.pk}/download")
    assert refused.status_code == 404
    assert json.loads(refused.content)["message"]


def test_portal_upload_and_download_and_an_internal_file_refused(desk, bucket):
    client = client_for(desk.customer1)
    response = client.post(reverse("portal:new"), {
        "type": "incident", "title": "Printer jams", "description": "Every page.", "urgency": "2",
        "attachments": [SimpleUploadedFile("jam.jpg", b"jpeg bytes", content_type="image/jpeg")],
    })
    assert response.status_code == 302, response.content
    public = Attachment.objects.get(filename="jam.jpg")
    internal = actions.add_attachment(public.ticket, actor=desk.agent1, internal=True,
                                      upload=SimpleUploadedFile("notes.txt", b"supplier quote"))
    assert len(stored_keys(bucket)) == 2

    download = client.get(reverse("portal:download", args=[public.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"jpeg bytes"
    assert client.get(reverse("portal:download", args=[internal.pk])).status_code == 404
    assert client_for(desk.customer3).get(reverse("portal:download", args=[public.pk])).status_code == 404
    staff = client_for(desk.agent1).get(reverse("console:ticket_attachment", args=[public.ticket.number, internal.pk]))
    assert staff.status_code == 200 and b"".join(staff.streaming_content) == b"supplier quote"


def test_redirect_to_a_signed_url_that_expires(desk, bucket, settings):
    settings.SERVICEDESK_DOWNLOAD_REDIRECT = True
    ticket = actions.create_ticket(actor=desk.customer1, title="Screen flickers", description="Since Monday",
                                   channel=Channel.PORTAL)
    attachment = actions.add_attachment(ticket, actor=desk.customer1,
                                        upload=SimpleUploadedFile("clip.mp4", b"video bytes"))
    client = client_for(desk.customer1)
    response = client.get(reverse("portal:download", args=[attachment.pk]))
    assert response.status_code == 302
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == [str(settings.SERVICEDESK_DOWNLOAD_URL_SECONDS)]
    assert "X-Amz-Signature" in query
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and fetched.content == b"video bytes"
    assert fetched.headers["content-type"] == "video/mp4"
    assert fetched.headers["content-disposition"] == 'attachment; filename="clip.mp4"; filename*=UTF-8\'\'clip.mp4'
    # Nothing is handed out before the permission check.
    assert client_for(desk.customer3).get(reverse("portal:download", args=[attachment.pk])).status_code == 404


def test_a_file_missing_from_the_bucket_is_not_found(desk, bucket):
    ticket = actions.create_ticket(actor=desk.customer1, title="Lost file", description="x", channel=Channel.PORTAL)
    attachment = actions.add_attachment(ticket, actor=desk.customer1, upload=SimpleUploadedFile("a.txt", b"a"))
    bucket.delete_object(Bucket=BUCKET, Key=stored_keys(bucket)[0])
    assert client_for(desk.customer1).get(reverse("portal:download", args=[attachment.pk])).status_code == 404


def _token(user) -> str:
    from servicedesk.accounts.models import ApiToken

    return ApiToken.issue(user)[1]
