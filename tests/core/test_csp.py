"""The Content-Security-Policy on every page, and what the pages need to live under it: no inline script,
style or event handler in what the desk renders. (tests/e2e/test_csp.py runs the screens in Chromium.)"""

import re

from django.template.loader import render_to_string
from django.test import Client

from servicedesk.core.middleware import content_security_policy
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
          "base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|<style|\son[a-z]+=|\sstyle=",
                    re.IGNORECASE)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_has_the_policy_and_no_inline_code(desk):
    ticket = actions.create_ticket(actor=desk.customer1, title="Printer", channel=Channel.PORTAL)
    pages = [
        (Client(), "/login/"), (Client(), "/no-such-page/"),
        (signed_in(desk.customer1), "/portal/"), (signed_in(desk.customer1), "/portal/new/"),
        (signed_in(desk.customer1), f"/portal/requests/{ticket.number}/"),
        (signed_in(desk.agent1), "/console/queues/mine/"),
        (signed_in(desk.agent1), f"/console/tickets/{ticket.number}/"),
        (signed_in(desk.agent1), "/console/quick-log/"), (signed_in(desk.agent1), "/preferences/"),
        (signed_in(desk.admin), "/admin/"), (signed_in(desk.admin), "/admin/notify/notificationtemplate/add/"),
        (signed_in(desk.agent1), "/api/v1/docs"), (signed_in(desk.agent1), "/api/v1/tickets"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert response["Content-Security-Policy"] == POLICY, path
        if response["Content-Type"].startswith("text/html") and not path.startswith("/admin/"):
            found = INLINE.findall(response.content.decode())
            assert found == [], (path, found)


def test_the_500_page_has_no_inline_style():
    assert not INLINE.search(render_to_string("500.html"))


def test_an_absolute_logo_url_adds_its_origin_to_images(desk, settings):
    assert "img-src 'self' data: https://cdn.example.com;" in content_security_policy(
        "https://cdn.example.com/brand/logo.svg?v=2")
    assert "img-src 'self' data:;" in content_security_policy("/static/logo.png")
    settings.SERVICEDESK_LOGO_URL = "https://cdn.example.com/logo.png"
    assert "https://cdn.example.com;" in Client().get("/login/")["Content-Security-Policy"]


def test_htmx_injects_no_style_and_evaluates_nothing(desk):
    page = Client().get("/login/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false}'>""" in page
    assert '<select id="lang-switch" name="language" data-submit-on-change>' in page


def test_the_brand_colours_come_as_a_stylesheet(desk, settings):
    settings.SERVICEDESK_PRIMARY_COLOUR = "#aa3300"
    settings.SERVICEDESK_ACCENT_COLOUR = "red; } body { display: none"
    response = Client().get("/brand.css")
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response.content.decode() == ":root { --brand: #aa3300; }\n"
    assert '<link rel="stylesheet" href="/brand.css">' in Client().get("/login/").content.decode()


def test_the_api_docs_load_nothing_from_elsewhere(desk):
    page = signed_in(desk.agent1).get("/api/v1/docs").content.decode()
    assert '"validatorUrl": null' in page
    assert re.findall(r'(?:src|href)="([^"]+)"', page) == [
        "/static/ninja/swagger-ui.css", "/static/ninja/favicon.svg", "/static/ninja/favicon.png",
        "/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"]
