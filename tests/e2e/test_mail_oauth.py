"""The mailbox admin in the browser, in both languages: a mailbox whose OAuth grant the provider refused says
so in the list and on its page, with the Connect button and the redirect URI to register."""

import pytest
from django.urls import reverse

from servicedesk.accounts.models import Desk
from servicedesk.intake.models import ImapAuth, Mailbox, OAuthProvider

from .conftest import screenshot, translated


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_mailbox_needing_re_authorisation_says_so_in_the_admin(sign_in, e2e_desk, language):
    mailbox = Mailbox.objects.create(
        name="IT", address="it@example.com", desk=Desk.objects.get(is_default=True),
        imap_host="outlook.office365.com", imap_username="it@example.com", imap_auth=ImapAuth.OAUTH2,
        oauth_provider=OAuthProvider.MICROSOFT365, oauth_tenant="example.com", oauth_client_id="desk-app",
        oauth_refresh_token="rt-revoked", oauth_needs_consent=True,
        oauth_error="invalid_grant: AADSTS50173: The provided grant has expired.",
    )
    admin = sign_in("admin", language)
    admin.goto(admin.base_url + reverse("admin:intake_mailbox_changelist"))
    needs = translated(language, "Needs re-authorisation: %(error)s") % {"error": mailbox.oauth_error}
    assert needs in admin.locator("#result_list").inner_text()
    screenshot(admin, f"admin-mailboxes-oauth-{language}")

    admin.goto(admin.base_url + reverse("admin:intake_mailbox_change", args=[mailbox.pk]))
    status = admin.locator(".field-oauth_status")
    assert translated(language, "Connect with OAuth") in status.inner_text()
    assert "AADSTS50173" in status.inner_text()
    assert "rt-revoked" not in admin.content()
    status.scroll_into_view_if_needed()
    screenshot(admin, f"admin-mailbox-oauth-{language}")
