"""Bad input gets a 4xx with a reason, never a 500, the same on SQLite and PostgreSQL (issue 11):
ticket references in any digits, NUL and lone surrogates, ids past 64 bits, tampered cursors,
bodies that are no JSON object, and bodies Django will not read."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from servicedesk.accounts.models import Desk, User
from servicedesk.core.inputs import MAX_ID, parse_id
from servicedesk.intake.ingest import process, store_raw
from servicedesk.intake.models import Mailbox, Source, State
from servicedesk.tickets import actions
from servicedesk.tickets.models import Comment, Ticket, TicketLink

HUGE = "99999999999999999999"  # past 2**64
PASSWORD = "demo-pass-123"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tickets(desk):
    first = actions.create_ticket(actor=desk.customer1, title="Printer jam")
    second = actions.create_ticket(actor=desk.customer1, title="VPN down")
    return first, second


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cursor(value, pk) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


def assert_json_4xx(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["message"]


# ---------------------------------------------------------------------------------------------
# Ids and ticket references


@pytest.mark.parametrize(("value", "expected"), [
    ("12", 12), (" 7 ", 7), ("²", None), ("٣", None), ("0", None), ("-1", None), (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None), (HUGE, None), ("1e3", None), ("", None), (None, None), ("9" * 5000, None),
])
def test_parse_id_takes_ascii_digits_within_64_bits(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize("key", ["³", "²", "٣", HUGE, "SD-²"])
def test_a_ticket_reference_in_other_digits_is_not_found(api, tickets, key):
    first, _second = tickets
    agent = api("agent1")
    assert_json_4xx(agent.post(f"tickets/{first.pk}/links", {"target": key, "kind": "related"}), 404)
    assert_json_4xx(agent.post(f"tickets/{first.pk}/merge", {"into": key}), 404)
    assert not TicketLink.objects.exists()


def test_a_ticket_reference_by_id_or_number_still_works(api, tickets):
    first, second = tickets
    agent = api("agent1")
    assert agent.post(f"tickets/{first.pk}/links", {"target": str(second.pk), "kind": "related"}).status_code == 201
    assert agent.post(f"tickets/{second.pk}/links", {"target": first.number.lower(), "kind": "duplicate_of"}
                      ).status_code == 201


@pytest.mark.parametrize("key", ["²", HUGE])
def test_the_console_link_and_merge_forms_refuse_other_digits(desk, tickets, key):
    first, _second = tickets
    client = signed_in(desk.agent1)
    url = reverse("console:ticket_link", args=[first.number])
    assert client.post(url, {"number": key, "kind": "related", "version": first.version}).status_code == 400
    response = client.get(reverse("console:ticket_merge", args=[first.number]), {"into": key})
    assert response.status_code == 400


@pytest.mark.parametrize("query", [
    {"canned": "²"}, {"canned": HUGE},
])
def test_console_ticket_page_ignores_ids_in_other_digits(desk, tickets, query):
    first, _second = tickets
    assert signed_in(desk.agent1).get(reverse("console:ticket", args=[first.number]), query).status_code == 200


@pytest.mark.parametrize("field", ["version", "minutes"])
def test_console_forms_refuse_numbers_in_other_digits(desk, tickets, field):
    first, _second = tickets
    data = {"version": first.version, "minutes": "5", field: "²"}
    response = signed_in(desk.agent1).post(reverse("console:ticket_time", args=[first.number]), data)
    assert response.status_code == 400


# ---------------------------------------------------------------------------------------------
# 64-bit integers


@pytest.mark.parametrize("query", [
    {"organisation": HUGE}, {"category": HUGE}, {"priority": HUGE}, {"group": HUGE}, {"assignee": HUGE},
    {"owner": HUGE}, {"requester": HUGE}, {"assignee": "²"},
])
def test_ticket_filters_past_64_bits_are_422(api, tickets, query):
    assert_json_4xx(api("agent1").get("tickets", query), 422)


@pytest.mark.parametrize(("path", "query"), [
    ("users", {"organisation": HUGE}), ("categories", {"service": HUGE}), ("tickets/1/history", {"after": HUGE}),
])
def test_other_filters_past_64_bits_are_422(api, tickets, path, query):
    assert_json_4xx(api("agent1").get(path, query), 422)


@pytest.mark.parametrize("path", [f"tickets/{HUGE}", f"tickets/{HUGE}/comments", f"users/{HUGE}",
                                  f"organisations/{HUGE}", f"tickets/attachments/{HUGE}/download"])
def test_ids_in_paths_past_64_bits_are_4xx(api, tickets, path):
    response = api("agent1").get(path)
    assert response.status_code in (404, 422) and response.json_body["message"]


@pytest.mark.parametrize("body", [
    {"title": "x", "category": int(HUGE)}, {"title": "x", "watchers": [int(HUGE)]},
    {"title": "x", "group": 2**63},
])
def test_ids_in_bodies_past_64_bits_are_422(api, tickets, body):
    assert_json_4xx(api("agent1").post("tickets", body), 422)


def test_screen_filters_and_ids_past_64_bits_do_not_fail(desk, tickets):
    agent = signed_in(desk.agent1)
    for param in ("organisation", "category", "priority", "group", "assignee"):
        assert agent.get("/console/queues/recent/", {param: HUGE}).status_code == 400, param
    assert agent.get("/console/queues/recent/", {"view": HUGE}).status_code == 200
    assert agent.post(f"/console/views/{HUGE}/delete/").status_code == 404
    assert signed_in(desk.customer1).get(f"/portal/files/{HUGE}/").status_code == 404
    assert signed_in(desk.customer1).get("/portal/new/", {"category": "²"}).status_code == 200


# ---------------------------------------------------------------------------------------------
# Cursors


TAMPERED = [
    cursor({"t": "0001-01-01T00:00:00+01:00"}, 1),
    cursor({"t": "9999-12-31T23:59:59-05:00"}, 1),
    cursor({"t": "2026-01-01T00:00:00"}, 1),  # no time zone
    cursor({"t": "2026-01-01T00:00:00+00:00"}, int(HUGE)),
    cursor({"t": "2026-01-01T00:00:00+00:00"}, 0),
    cursor({"t": "2026-01-01T00:00:00+00:00", "x": 1}, 1),
    cursor({"t": 5}, 1),
    base64.urlsafe_b64encode(json.dumps([1, 2, 3]).encode()).decode(),
    base64.urlsafe_b64encode(b"[[[[[[[[[[[[[[[[[[[[").decode(),
    "A" * 5000,
    "é",
]


@pytest.mark.parametrize("bad", TAMPERED)
def test_a_tampered_cursor_is_400_invalid_cursor_in_the_api(api, tickets, bad):
    response = api("agent1").get("tickets", {"cursor": bad})
    assert_json_4xx(response, 400)
    assert response.json_body["message"] == "invalid cursor"


def test_a_tampered_cursor_is_400_in_the_users_list_and_in_chinese(api, tickets):
    customer = api("agent1")
    response = customer.get("users", {"cursor": cursor(1, int(HUGE))})
    assert_json_4xx(response, 400)
    response = customer.get("users", {"cursor": cursor(1, int(HUGE))}, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 400 and response.json_body["message"] == "无效的游标"


@pytest.mark.parametrize("bad", TAMPERED[:4])
def test_a_tampered_cursor_is_400_on_the_screens(desk, tickets, bad):
    first, _second = tickets
    response = signed_in(desk.customer1).get("/portal/requests/", {"cursor": bad})
    assert response.status_code == 400 and first.number in response.content.decode()
    response = signed_in(desk.agent1).get("/console/queues/recent/", {"after": bad})
    assert response.status_code == 400 and first.number in response.content.decode()


# ---------------------------------------------------------------------------------------------
# NUL and lone surrogates: refused at every entry point, stripped from mail


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "tickets", {"title": "Printer\x00jam"}),
    ("post", "tickets", {"title": "Printer", "description": "a\x00b"}),
    ("post", "tickets", {"title": "Printer\ud800"}),
    ("post", "tickets/{id}/comments", {"body": "a\x00"}),
    ("post", "tickets/{id}/comments", {"body": "\udfffx"}),
    ("patch", "tickets/{id}", {"title": "x\x00"}),
    ("post", "tickets/{id}/links", {"target": "SD-\x00", "kind": "related"}),
    ("patch", "me", {"first_name": "\ud800x"}),
    ("patch", "me", {"first_name": "x\x00"}),
    ("post", "tickets/{id}/transitions", {"action": "acknowledge", "comment": "\x00"}),
])
def test_api_refuses_nul_and_lone_surrogates_with_422(api, tickets, method, path, body):
    first, _second = tickets
    before = (Ticket.objects.count(), Comment.objects.count())
    response = getattr(api("agent1"), method)(path.format(id=first.pk), body)
    assert_json_4xx(response, 422)
    assert (Ticket.objects.count(), Comment.objects.count()) == before


@pytest.mark.parametrize("query", [{"q": "jam\x00"}, {"status": "\x00"}, {"channel": "a\x00"}, {"x\x00": "1"}])
def test_api_refuses_nul_in_query_strings_with_422(api, tickets, query):
    assert_json_4xx(api("agent1").get("tickets", query), 422)


def test_api_refuses_nul_in_an_uploaded_file_name(api, tickets):
    first, _second = tickets
    upload = SimpleUploadedFile("a\x00.txt", b"hello", content_type="text/plain")
    response = api("agent1").client.post(f"/api/v1/tickets/{first.pk}/attachments", {"file": upload})
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:  # Django's parser dropped the NUL itself
        assert "\x00" not in json.loads(response.content)["filename"]


def test_screens_refuse_nul_with_a_400_that_says_why(desk, tickets):
    first, _second = tickets
    agent = signed_in(desk.agent1)
    response = agent.post(reverse("console:ticket_reply", args=[first.number]),
                          {"body": "hello\x00", "version": first.version})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert agent.get("/console/queues/recent/", {"q": "jam\x00"}).status_code == 400
    assert agent.get("/console/tickets/SD-%00/").status_code == 400
    customer = signed_in(desk.customer1)
    response = customer.post("/portal/new/", {"type": "incident", "title": "Printer\x00", "description": "x",
                                              "urgency": "2"})
    assert response.status_code == 400
    assert Comment.objects.filter(ticket=first).count() == 0 and Ticket.objects.count() == 2
    assert Client().post("/login/", {"username": "agent1\x00", "password": PASSWORD}).status_code == 400


def test_screens_answer_in_the_users_language(desk, tickets):
    User.objects.filter(pk=desk.agent1.pk).update(language="zh-hans")
    response = signed_in(User.objects.get(pk=desk.agent1.pk)).get("/console/queues/recent/", {"q": "\x00"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert "文本" in response.content.decode()


def test_mail_with_nul_is_stored_and_processed_without_it(desk):
    mailbox = Mailbox.objects.create(name="IT", address="servicedesk@example.com",
                                     desk=Desk.objects.get(is_default=True))
    raw = (b"From: Customer One <customer1@example.com>\r\nTo: servicedesk@example.com\r\n"
           b"Subject: Printer\x00 jam\r\nMessage-ID: <nul.1@example.org>\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nIt jams\x00 on page 2.\r\n")
    message = process(store_raw(raw, Source.PIPE, mailbox))
    message.refresh_from_db()
    assert message.state == State.DONE, message.error if hasattr(message, "error") else message.state
    ticket = Ticket.objects.get()
    assert ticket.title == "Printer jam" and "It jams on page 2." in ticket.description


# ---------------------------------------------------------------------------------------------
# JSON bodies


@pytest.mark.parametrize("body", ['"hello world"', "[null, null]", "1", "null", "true", '["title"]'])
def test_a_json_body_that_is_not_an_object_is_422(api, tickets, body):
    first, _second = tickets
    agent = api("agent1")
    for method, path in (("post", "/api/v1/tickets"), ("patch", f"/api/v1/tickets/{first.pk}"),
                         ("post", f"/api/v1/tickets/{first.pk}/comments"), ("patch", "/api/v1/me")):
        response = getattr(agent.client, method)(path, data=body, content_type="application/json")
        assert_json_4xx(response, 422)
    assert Ticket.objects.count() == 2


def test_an_oversized_body_is_413_json(api, tickets, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"title": "x", "description": "y" * 2000})
    response = api("agent1").client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert_json_4xx(response, 413)


def test_too_many_files_is_a_400_json(api, tickets, settings):
    first, _second = tickets
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [SimpleUploadedFile(f"f{n}.txt", b"x", content_type="text/plain") for n in range(5)]
    response = api("agent1").client.post(f"/api/v1/tickets/{first.pk}/attachments", {"file": files})
    assert_json_4xx(response, 400)


def test_too_many_fields_is_a_400_json(api, tickets, settings):
    first, _second = tickets
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = api("agent1").client.post(f"/api/v1/tickets/{first.pk}/attachments",
                                         {f"f{n}": "x" for n in range(5)})
    assert_json_4xx(response, 400)


def test_any_error_page_under_the_api_becomes_json(rf):
    """Whatever answers in HTML under /api/ (a server error included) reaches the client as JSON."""
    from django.http import HttpResponseServerError

    from servicedesk.core.middleware import ApiJsonErrorsMiddleware

    middleware = ApiJsonErrorsMiddleware(lambda request: HttpResponseServerError("<h1>Server Error (500)</h1>"))
    response = middleware(rf.get("/api/v1/tickets"))
    assert_json_4xx(response, 500)
    assert middleware(rf.get("/console/")).content.startswith(b"<h1>")
