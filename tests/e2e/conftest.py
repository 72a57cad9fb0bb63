"""Browser tests: real Chromium (Debian's package) driven by Playwright against a live server.

Screenshots of the main screens, in English and in Chinese, are written to
`test-artifacts/screenshots/` (CI keeps that folder as its artefacts).
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from servicedesk.accounts.models import User

from ..conftest import pin_languages

# Playwright's sync API runs an event loop in this thread; the Django calls made by fixtures here
# are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(os.environ.get("SERVICEDESK_SCREENSHOTS", "test-artifacts/screenshots"))
PASSWORD = "demo-pass-123"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def e2e_desk(transactional_db):
    # A live server needs a transactional database, which is emptied after each test, rows seeded by
    # migrations included; `demo` puts the default lifecycle and priority matrix back.
    call_command("demo", no_tickets=True, stdout=open(os.devnull, "w"))
    pin_languages()
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def sign_in(browser, live_server, e2e_desk):
    """sign_in("customer1", "zh-hans") → a Playwright page signed in as that user in that language."""
    contexts = []

    def make(username, language="en", width=1280, height=900):
        locale = "zh-CN" if language.startswith("zh") else "en-US"
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                      extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"})
        context.set_default_timeout(15000)
        contexts.append(context)
        User.objects.filter(username=username).update(language=language)
        page = context.new_page()
        # Uncaught script errors on the page, for tests that want none of them.
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        watch_csp(context, page)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.base_url = live_server.url
        return page

    yield make
    violations = [v for context in contexts for v in context.csp_violations]
    for context in contexts:
        context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"


def watch_csp(context, page) -> None:
    """Collect every Content-Security-Policy violation of the context's pages into
    `context.csp_violations` (the page's `securitypolicyviolation` events and Chromium's console
    reports of them); sign_in fails the test on any."""
    context.csp_violations = page.csp_violations = []
    context.expose_binding("__reportCspViolation", lambda source, text: context.csp_violations.append(text))
    context.add_init_script("""document.addEventListener("securitypolicyviolation", (e) =>
        window.__reportCspViolation(`${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI}`));""")

    def on_console(message):
        if "Content Security Policy" in message.text:
            context.csp_violations.append(f"console: {message.text}")

    context.on("console", on_console)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # From the top: after a redirect to an anchor the sticky top bar would be drawn mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


PHONE = {"width": 390, "height": 844}


def phone_screenshot(page, name: str) -> Path:
    """The page as a phone shows it (390×844), then back to the page's own size."""
    before = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        return screenshot(page, name)
    finally:
        page.set_viewport_size(before)


def translated(language: str, text: str) -> str:
    """`text` as the desk's catalogue gives it in `language` (the English text while untranslated)."""
    from django.utils import translation

    with translation.override(language):
        return str(translation.gettext(text))


def status_words(language: str) -> dict[str, str]:
    """The desk's status names, written out (not from the catalogue) so a lost translation shows."""
    if language.startswith("zh"):
        return {"new": "新建", "acknowledged": "已受理", "assigned": "已分派", "in_progress": "处理中",
                "pending": "挂起", "resolved": "已解决", "closed": "已关闭"}
    return {"new": "New", "acknowledged": "Acknowledged", "assigned": "Assigned",
            "in_progress": "In progress", "pending": "Pending", "resolved": "Resolved", "closed": "Closed"}
