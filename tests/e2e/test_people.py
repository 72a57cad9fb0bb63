"""The console's people screen in a real browser: create a customer, then send them an invitation, in
English and in Chinese."""

from django.core import mail

from servicedesk.accounts.models import User

from .conftest import screenshot


def test_create_a_customer_and_send_an_invitation(sign_in, e2e_desk):
    for username, language, address, invite_word in (("agent1", "en", "ada@example.org", "Send invitation"),
                                                     ("lead1", "zh-hans", "wangwu@example.cn", "发送邀请")):
        mail.outbox.clear()
        page = sign_in(username, language)
        page.goto(f"{page.base_url}/console/people/")
        page.fill("#id_name", "Ada Lovelace" if language == "en" else "王五")
        page.fill("#id_email", address)
        page.fill("#id_phone", "+86 138 0000 0000")
        screenshot(page, f"people-list-{language}")
        with page.expect_navigation():
            page.click(".people-form button[type=submit]")
        person = User.objects.get(email=address)
        assert page.url.endswith(f"/console/people/{person.pk}/")
        assert (person.role, person.has_usable_password()) == ("customer", False)

        with page.expect_navigation():
            page.get_by_role("button", name=invite_word).click()
        assert address in page.locator(".messages").inner_text()
        assert [m.to for m in mail.outbox] == [[address]]
        assert "/password/reset/" in mail.outbox[0].body
        screenshot(page, f"people-person-{language}")
