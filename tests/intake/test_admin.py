"""The Mailbox admin: IMAP settings shown and edited, the password never sent back, fetch on demand."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicedesk.accounts.models import Desk
from servicedesk.intake.models import ImapAfter, ImapSecurity, InboundMessage, Mailbox
from servicedesk.tickets.models import Ticket

from .mailtools import DESK_ADDRESS, corpus
from .test_imap import append

SECRET = "s3cret-imap-pa55"


@pytest.fixture
def mailbox(desk):
    return Mailbox.objects.create(name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True),
                                  imap_host="imap.example.com", imap_username="desk", imap_password=SECRET)


@pytest.fixture
def admin_client(desk):
    client = Client()
    client.force_login(desk.admin)
    return client


def form_data(mailbox, **changes):
    data = {
        "name": mailbox.name, "address": mailbox.address, "desk": mailbox.desk_id, "is_active": "on",
        "unknown_senders": mailbox.unknown_senders, "default_group": "", "imap_host": mailbox.imap_host,
        "imap_port": "", "imap_security": mailbox.imap_security, "imap_username": mailbox.imap_username,
        "imap_password": "", "imap_folder": mailbox.imap_folder, "imap_after": mailbox.imap_after,
        "imap_move_to": mailbox.imap_move_to, "imap_auth": mailbox.imap_auth, "oauth_provider": mailbox.oauth_provider,
    }
    data.update(changes)
    return data


def test_change_page_shows_imap_settings_but_never_the_password(mailbox, admin_client):
    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    page = admin_client.get(url).content.decode()
    for name in ("imap_host", "imap_port", "imap_security", "imap_username", "imap_password", "imap_folder",
                 "imap_after", "imap_move_to", "clear_imap_password"):
        assert f'name="{name}"' in page
    assert "imap.example.com" in page
    assert SECRET not in page
    listing = admin_client.get(reverse("admin:intake_mailbox_changelist")).content.decode()
    assert "imap.example.com" in listing and SECRET not in listing


def test_password_kept_when_left_empty_replaced_when_given_and_removable(mailbox, admin_client):
    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    response = admin_client.post(url, form_data(mailbox, imap_port="1143", imap_security=ImapSecurity.STARTTLS))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert mailbox.imap_password == SECRET
    assert mailbox.imap_port == 1143 and mailbox.imap_security == ImapSecurity.STARTTLS
    # A poll running while the administrator saves keeps its claim.
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_claimed_by="poller-1", imap_claimed_until=timezone.now())
    admin_client.post(url, form_data(mailbox, imap_password="new-one"))
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "new-one"
    assert mailbox.imap_claimed_by == "poller-1"
    admin_client.post(url, form_data(mailbox, clear_imap_password="on"))
    mailbox.refresh_from_db()
    assert mailbox.imap_password == ""


def test_move_without_a_folder_is_refused(mailbox, admin_client):
    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    response = admin_client.post(url, form_data(mailbox, imap_after=ImapAfter.MOVE, imap_move_to=""))
    assert response.status_code == 200
    assert "Name the folder filed messages are moved to." in response.content.decode()
    response = admin_client.post(url, form_data(mailbox, imap_after=ImapAfter.MOVE, imap_move_to="INBOX"))
    assert "Filed messages must go to another folder than the one polled." in response.content.decode()
    response = admin_client.post(url, form_data(mailbox, imap_username=""))
    assert "An IMAP server needs a user name." in response.content.decode()


def test_fetch_now_action(mailbox, admin_client, dovecot):
    account = dovecot.new_account()
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_host="127.0.0.1", imap_port=dovecot.port,
                                                 imap_security=ImapSecurity.NONE, imap_username=account,
                                                 imap_password=dovecot.password)
    append(dovecot, account, corpus("big5.eml"))
    response = admin_client.post(reverse("admin:intake_mailbox_changelist"),
                                 {"action": "fetch_now", "_selected_action": [mailbox.pk]}, follow=True)
    assert "1 message fetched." in response.content.decode()
    assert Ticket.objects.get().title == "印表機無法列印"
    assert InboundMessage.objects.get().mailbox == mailbox
