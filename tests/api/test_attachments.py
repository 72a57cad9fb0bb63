"""Attachments over the API: upload, download, limits."""

import json

import pytest

from servicedesk.tickets import actions
from servicedesk.tickets.models import (
    Attachment,
    Comment,
    HistoryEntry,
    Status,
)
from tests.api.helpers import stored_files, upload
from tests.tickets.lifecycle import fresh, history_count, make_ticket


def test_upload_and_download(api, desk, media):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client = api("customer1")
    content = "截图 screenshot \x00\x01".encode()
    response = client.client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                  {"file": upload("屏幕 截图.png", content, "image/png")})
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert (body["filename"], body["size"], body["content_type"], body["internal"]) == (
        "屏幕 截图.png", len(content), "image/png", False)
    assert body["uploaded_by"]["username"] == "customer1"
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.ticket_id == ticket.pk
    assert stored_files(media) == [attachment.file.path]

    download = api("agent1").client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"

    listed = client.get(f"tickets/{ticket.pk}/attachments").json_body
    assert [a["id"] for a in listed] == [body["id"]]
    assert [(h.event, h.new_value, h.actor.username, h.internal) for h in
            HistoryEntry.objects.filter(ticket=ticket, event="attachment_added")] == [
        ("attachment_added", "屏幕 截图.png", "customer1", False)]


def test_staff_upload_an_internal_file(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    response = api("agent1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                         {"file": upload("dump.txt", b"core"), "internal": "true"})
    assert response.status_code == 201
    assert json.loads(response.content)["internal"] is True
    assert api("customer1").get(f"tickets/{ticket.pk}/attachments").json_body == []


def test_an_oversize_upload_is_refused_and_nothing_is_stored(api, desk, settings, media):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    before = (history_count(ticket), fresh(ticket).version)
    response = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                            {"file": upload("big.bin", b"x" * 11)})
    assert response.status_code == 413
    assert json.loads(response.content)["message"]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert (history_count(ticket), fresh(ticket).version) == before
    exact = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                         {"file": upload("ok.bin", b"x" * 10)})
    assert exact.status_code == 201


def test_an_oversize_file_with_a_comment_keeps_nothing(desk, settings, media):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    with pytest.raises(actions.ActionError):
        actions.add_comment(ticket, actor=desk.customer1, body="see file",
                            attachments=[upload("big", b"y" * 50)])
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_upload_needs_a_file(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    response = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments", {})
    assert response.status_code == 422
    assert json.loads(response.content)["message"]


def test_a_customer_cannot_attach_to_a_closed_ticket(api, desk):
    ticket = make_ticket(desk, Status.CLOSED)
    response = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                            {"file": upload("late.txt", b"x")})
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_download_of_a_missing_attachment_is_404_json(api, desk):
    response = api("agent1").get("tickets/attachments/999999/download")
    assert response.status_code == 404
    assert response.json_body["message"]
