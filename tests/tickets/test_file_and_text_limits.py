"""Uploads and downloads hardened: files refused over the size limit while they stream in, caps on files
per ticket and per message, the type decided by the desk, the same safe headers on every download route,
and length caps on descriptions and comments, through the API, the console and the portal."""

import importlib
import json
import os

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from servicedesk.core.downloads import content_disposition, content_type_for
from servicedesk.core.uploads import LimitedUploadHandler, RefusedUpload
from servicedesk.intake.ingest import process, store_raw
from servicedesk.intake.models import Source
from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Comment, Status, Ticket
from tests.tickets.lifecycle import fresh, make_ticket


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def english(desk):
    for user in desk.users.values():
        user.language = "en"
        user.save(update_fields=["language"])
    return desk


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(name, content=b"data", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored(root):
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


# ---------------------------------------------------------------------------------------------
# Refused while streaming


def test_the_handler_drops_a_file_once_it_passes_the_limit(settings, tmp_path):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 100_000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    handler = LimitedUploadHandler()
    handler.handle_raw_input(None, {}, 10 * 1024 * 1024, b"boundary")  # too big for memory: a temporary file
    handler.new_file("file", "big.iso", "application/octet-stream", None)
    temporary = handler.file.temporary_file_path()
    chunk = b"x" * 65536
    handler.receive_data_chunk(chunk, 0)
    assert os.path.getsize(temporary) <= 100_000
    for number in range(1, 40):  # 2.5 MB more arrive; none of it is stored
        assert handler.receive_data_chunk(chunk, number * len(chunk)) is None
        assert not os.path.exists(temporary)
    refused = handler.file_complete(40 * len(chunk))
    assert isinstance(refused, RefusedUpload) and refused.name == "big.iso"
    assert refused.size == 40 * len(chunk)
    assert os.listdir(tmp_path) == []


def test_the_handler_keeps_a_file_within_the_limit(settings, tmp_path):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 100_000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    for length in (10 * 1024 * 1024, 1000):  # a temporary file, then memory
        handler = LimitedUploadHandler()
        handler.handle_raw_input(None, {}, length, b"boundary")
        handler.new_file("file", "ok.log", "text/plain", None)
        handler.receive_data_chunk(b"y" * 60_000, 0)
        handler.receive_data_chunk(b"y" * 40_000, 60_000)
        kept = handler.file_complete(100_000)
        assert kept.size == 100_000 and kept.read() == b"y" * 100_000
        kept.close()


def test_an_oversize_api_upload_is_refused_while_streaming_and_a_smaller_one_works(api, desk, settings, media,
                                                                                    tmp_path):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 200_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # uploads stream to temporary files in this folder
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    os.mkdir(settings.FILE_UPLOAD_TEMP_DIR)
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client = api("customer1").client
    response = client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                           {"file": upload("dump.bin", b"z" * 1_000_000)})
    assert response.status_code == 413
    message = json.loads(response.content)["message"]
    assert "dump.bin is too large" in message and "195.3" in message  # the limit, in the user's words
    assert not Attachment.objects.exists() and stored(media) == []
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []
    assert fresh(ticket).version == ticket.version

    response = client.post(f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload("ok.bin", b"k" * 150_000)})
    assert response.status_code == 201
    assert Attachment.objects.get().file.read() == b"k" * 150_000


def test_an_oversize_console_reply_keeps_what_was_typed(english, settings):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 1000
    ticket = make_ticket(english, Status.IN_PROGRESS)
    response = signed_in(english.agent1).post(
        reverse("console:ticket_reply", args=[ticket.number]),
        {"version": ticket.version, "body": "Here is the full log", "attachments": [upload("full.log", b"l" * 5000)]},
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "full.log is too large" in text and "Here is the full log" in text
    assert not Comment.objects.filter(ticket=ticket).exists() and not Attachment.objects.exists()


def test_an_oversize_portal_request_keeps_what_was_typed_in_chinese(desk, settings):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 1000
    response = signed_in(desk.customer1).post(reverse("portal:new"), {  # customer1 reads Chinese
        "type": "incident", "title": "电脑无法开机", "description": "更新后黑屏。", "urgency": "2",
        "attachments": [upload("内存.dmp", b"d" * 5000)],
    })
    assert response.status_code == 200
    text = response.content.decode()
    assert "内存.dmp 太大" in text
    assert 'value="电脑无法开机"' in text and "更新后黑屏。" in text
    assert not Ticket.objects.exists()


# ---------------------------------------------------------------------------------------------
# Caps on files


def test_one_message_carries_at_most_the_cap(english, settings):
    settings.SERVICEDESK_ATTACHMENTS_PER_MESSAGE = 2
    ticket = make_ticket(english, Status.IN_PROGRESS)
    files = [upload(f"{n}.txt") for n in range(3)]
    response = signed_in(english.agent1).post(reverse("console:ticket_reply", args=[ticket.number]),
                                              {"version": ticket.version, "body": "logs", "attachments": files})
    assert response.status_code == 400
    assert "Too many files: 3; one message can carry at most 2." in response.content.decode()
    assert not Attachment.objects.exists()
    with pytest.raises(actions.ActionError, match="at most 2"):
        actions.create_ticket(actor=english.customer1, title="Three files", attachments=[upload(f"{n}.txt")
                                                                                          for n in range(3)])
    actions.add_comment(ticket, actor=english.agent1, body="two", attachments=files[:2])
    assert Attachment.objects.count() == 2


def test_a_ticket_takes_at_most_the_cap_on_every_path(english, api, settings):
    settings.SERVICEDESK_ATTACHMENTS_PER_TICKET = 3
    ticket = make_ticket(english, Status.IN_PROGRESS)
    actions.add_comment(ticket, actor=english.customer1, body="two files", attachments=[upload("a.txt"),
                                                                                          upload("b.txt")])
    portal = signed_in(english.customer1).post(reverse("portal:request", args=[ticket.number]), {
        "action": "reply", "body": "two more", "version": fresh(ticket).version,
        "attachments": [upload("c.txt"), upload("d.txt")],
    })
    assert portal.status_code == 400
    assert "This ticket cannot take 2 more files: a ticket can have at most 3." in portal.content.decode()
    api_client = api("customer1").client
    assert api_client.post(f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload("c.txt")}).status_code == 201
    refused = api_client.post(f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload("d.txt")})
    assert refused.status_code == 400
    assert "at most 3" in json.loads(refused.content)["message"]
    assert Attachment.objects.filter(ticket=ticket).count() == 3


# ---------------------------------------------------------------------------------------------
# The type is the desk's; every download route sends the same safe headers


@pytest.mark.parametrize(("name", "expected"), [
    ("page.html", "application/octet-stream"), ("PAGE.HTM", "application/octet-stream"),
    ("logo.svg", "application/octet-stream"), ("a.xhtml", "application/octet-stream"),
    ("run.js", "application/octet-stream"), ("feed.xml", "application/octet-stream"),
    ("noextension", "application/octet-stream"), ("shot.PNG", "image/png"), ("报告.pdf", "application/pdf"),
    ("log.txt", "text/plain"), ("book.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_the_type_comes_from_the_name_through_a_fixed_map(name, expected):
    assert content_type_for(name) == expected


def test_the_clients_claimed_type_is_never_stored(desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    html = actions.add_attachment(ticket, actor=desk.customer1, upload=upload("x.html", b"<script>", "image/png"))
    png = actions.add_attachment(ticket, actor=desk.customer1, upload=upload("x.png", b"\x89PNG", "text/html"))
    assert (html.content_type, png.content_type) == ("application/octet-stream", "image/png")


def test_files_stored_before_get_the_desks_type(desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    html = actions.add_attachment(ticket, actor=desk.customer1, upload=upload("x.html", b"<script>"))
    png = actions.add_attachment(ticket, actor=desk.customer1, upload=upload("x.png", b"\x89PNG"))
    Attachment.objects.filter(pk=html.pk).update(content_type="text/html")
    Attachment.objects.filter(pk=png.pk).update(content_type="text/html")
    migration = importlib.import_module("servicedesk.tickets.migrations.0005_attachment_type_from_name")
    migration.decide_types(django_apps, None)
    assert dict(Attachment.objects.values_list("filename", "content_type")) == {
        "x.html": "application/octet-stream", "x.png": "image/png"}


def test_the_disposition_names_the_file_in_utf8_and_ascii():
    assert content_disposition("屏幕 截图.png") == (
        "attachment; filename=\"__ __.png\"; filename*=UTF-8''%E5%B1%8F%E5%B9%95%20%E6%88%AA%E5%9B%BE.png")
    assert content_disposition('a"b\\c\r\n.txt') == "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%5Cc.txt"


def assert_safe_download(response, filename_star, content_type="application/octet-stream"):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert f"filename*=UTF-8''{filename_star}" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_every_download_route_sends_the_safe_headers(desk, api):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    # A file stored before the desk decided types keeps the client's claim in its row: the route decides anew.
    attachment = actions.add_attachment(ticket, actor=desk.customer1, upload=upload("报告.html", b"<script>x"))
    Attachment.objects.filter(pk=attachment.pk).update(content_type="text/html")
    star = "%E6%8A%A5%E5%91%8A.html"

    assert_safe_download(api("agent1").client.get(f"/api/v1/tickets/attachments/{attachment.pk}/download"), star)
    assert_safe_download(signed_in(desk.agent1).get(
        reverse("console:ticket_attachment", args=[ticket.number, attachment.pk])), star)
    assert_safe_download(signed_in(desk.customer1).get(reverse("portal:download", args=[attachment.pk])), star)

    message = process(store_raw(b"From: nobody@example.net\r\nSubject: x\r\n\r\nhello\r\n", Source.PIPE, None))
    admin = signed_in(desk.admin).get(reverse("admin:intake_inboundmessage_raw", args=[message.pk]))
    assert_safe_download(admin, f"message-{message.pk}.eml", "message/rfc822")
    assert admin.content.startswith(b"From: nobody@example.net")


def test_a_download_whose_file_is_gone_is_not_found(desk, api, media):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    attachment = actions.add_attachment(ticket, actor=desk.customer1, upload=upload("gone.txt"))
    os.remove(attachment.file.path)
    assert api("agent1").client.get(f"/api/v1/tickets/attachments/{attachment.pk}/download").status_code == 404
    assert signed_in(desk.customer1).get(reverse("portal:download", args=[attachment.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Length caps on descriptions and comments


def test_descriptions_and_comments_have_a_length_cap_on_every_path(english, api, settings):
    settings.SERVICEDESK_DESCRIPTION_MAX_CHARS = 100
    settings.SERVICEDESK_COMMENT_MAX_CHARS = 50
    with pytest.raises(actions.ActionError, match="at most 100 characters"):
        actions.create_ticket(actor=english.customer1, title="Long", description="d" * 101)
    ticket = actions.create_ticket(actor=english.customer1, title="Exact", description="d" * 100)
    with pytest.raises(actions.ActionError, match="at most 100 characters"):
        actions.update_ticket(ticket, actor=english.agent1, changes={"description": "e" * 101})

    client = api("customer1")
    created = client.post("tickets", {"title": "Long", "description": "d" * 101})
    assert created.status_code == 400 and "at most 100 characters" in created.json_body["message"]
    replied = client.post(f"tickets/{ticket.pk}/comments", {"body": "c" * 51})
    assert replied.status_code == 400
    assert replied.json_body["message"] == ("The text is too long (51 characters); a reply or note can have at most "
                                            "50 characters.")
    moved = api("agent1").post(f"tickets/{ticket.pk}/transitions", {"action": "acknowledge", "comment": "c" * 51})
    assert moved.status_code == 400 and "at most 50 characters" in moved.json_body["message"]

    console = signed_in(english.agent1).post(reverse("console:ticket_reply", args=[ticket.number]),
                                             {"version": fresh(ticket).version, "body": "typed " + "c" * 50})
    assert console.status_code == 400
    assert "at most 50 characters" in console.content.decode() and "typed ccc" in console.content.decode()

    portal = signed_in(english.customer1).post(reverse("portal:new"), {
        "type": "incident", "title": "t" * 256, "description": "d" * 101, "urgency": "2"})
    text = portal.content.decode()
    assert "The summary is too long (256 characters); keep it to 255" in text
    assert "This text is too long (101 characters); it can have at most 100 characters." in text
    assert "Ensure this value" not in text
    reply = signed_in(english.customer1).post(reverse("portal:request", args=[ticket.number]), {
        "action": "reply", "body": "r" * 51, "version": fresh(ticket).version})
    assert reply.status_code == 400 and "it can have at most 50 characters" in reply.content.decode()
    assert Ticket.objects.count() == 1 and not Comment.objects.exists()


def test_the_openapi_document_states_the_length_caps(api, settings):
    schemas = api("agent1").get("/api/v1/openapi.json").json_body["components"]["schemas"]
    assert schemas["CommentIn"]["properties"]["body"]["maxLength"] == settings.SERVICEDESK_COMMENT_MAX_CHARS
    assert schemas["TicketIn"]["properties"]["description"]["maxLength"] == settings.SERVICEDESK_DESCRIPTION_MAX_CHARS
