"""In Chromium: "Sign in with Keycloak" on the sign-in page, signing in at a real OpenID Connect provider on
loopback, and landing where the role belongs (a customer in the portal, an agent in the console); a refusal
is a page in the person's language. Screenshots in both languages."""

import pytest

from servicedesk.sso.models import IdentityProvider, Kind

# The browser tests' fixtures (tests/e2e/conftest.py), used here outside tests/e2e.
from tests.e2e.conftest import e2e_desk, screenshot, watch_csp  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.fixture
def keycloak(e2e_desk, oidc_server):  # noqa: F811
    IdentityProvider.objects.create(
        name="Keycloak", slug="keycloak", kind=Kind.OIDC, issuer=oidc_server.url, client_id="servicedesk",
        client_secret="s3cret", role_claim="groups", role_mapping={"sd-agents": "agent"})
    return oidc_server


@pytest.fixture
def page_in(browser, live_server):  # noqa: F811
    contexts = []

    def make(language: str):
        locale = "zh-CN" if language.startswith("zh") else "en-US"
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900},
                                      extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"})
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        watch_csp(context, page)
        page.base_url = live_server.url
        return page

    yield make
    violations = [v for context in contexts for v in context.csp_violations if "/sso/" in v or "/login/" in v]
    for context in contexts:
        context.close()
    assert violations == []


def sign_in_at_provider(page, button: str, sub: str) -> None:
    page.goto(f"{page.base_url}/login/")
    page.get_by_role("link", name=button).click()
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language, button", [("en", "Sign in with Keycloak"), ("zh-hans", "使用 Keycloak 登录")])
def test_a_customer_signs_in_with_keycloak_and_lands_in_the_portal(keycloak, page_in, language, button):
    keycloak.set_user(f"e2e-customer-{language}", email=f"customer-{language}@example.com", email_verified=True,
                      given_name="Rui", family_name="Chen")
    page = page_in(language)
    page.goto(f"{page.base_url}/login/")
    screenshot(page, f"sso-sign-in-{language}")
    sign_in_at_provider(page, button, f"e2e-customer-{language}")
    assert page.url.startswith(f"{page.base_url}/portal/")


def test_an_agent_signs_in_with_keycloak_and_lands_in_the_console(keycloak, page_in):
    keycloak.set_user("e2e-agent", email="e2e-agent@example.com", email_verified=True, groups=["sd-agents"])
    page = page_in("en")
    sign_in_at_provider(page, "Sign in with Keycloak", "e2e-agent")
    assert page.url.startswith(f"{page.base_url}/console/")


def test_an_address_of_another_domain_gets_a_page_in_chinese(keycloak, page_in):
    IdentityProvider.objects.filter(slug="keycloak").update(allowed_domains="corp.example.cn")
    keycloak.set_user("e2e-outsider", email="outsider@gmail.example", email_verified=True)
    page = page_in("zh-hans")
    sign_in_at_provider(page, "使用 Keycloak 登录", "e2e-outsider")
    assert "登录未完成" in page.content() and "只允许 corp.example.cn 的人员登录" in page.content()
    screenshot(page, "sso-refused-zh-hans")
