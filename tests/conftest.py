"""Shared fixtures: the demo desk's people, groups and catalogue, and API clients that act as them."""

import json
import os
import shutil
import threading

import pytest
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread

from servicedesk.accounts.models import ApiToken, Group, User

pytest_plugins = ["tests.services"]


# --- the live server on SQLite's in-memory database: one request at a time ------------------------------
# On an in-memory SQLite database the live server's request threads all use the test's one connection
# (Django shares it: nothing else can see the database). Two requests at once then interleave their
# transactions on it: the portal's suggestions, fetched as the customer types, still running when the form
# is sent, found the form's transaction open, and a savepoint of one request or the broken-transaction flag
# it left made the other fail (a 500 seen once in CI, `TransactionManagementError` from a stale error of an
# earlier request). A desk process has a connection per thread; here the requests take turns.
class _OneRequestAtATime(ThreadedWSGIServer):
    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)
        lock = threading.Lock()

        def serial(environ, start_response):
            with lock:
                return application(environ, start_response)

        return super().set_app(serial)


LiveServerThread.server_class = _OneRequestAtATime


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty cache (cached fragments name rows of other tests' databases).
    Rate-limit counters live in this process's memory: the desk's own files under the data folder
    would be shared with another test session running at the same time (tests/core/test_ratelimit.py
    tests those)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache, caches

    from servicedesk.accounts import identity
    from servicedesk.core import refdata

    settings.CACHES = {**settings.CACHES, "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-tests"}}
    cache.clear()
    caches["ratelimit"].clear()
    refdata.forget()
    # A transactional test's flush removes the content types; a test after it that creates one in its
    # rolled-back transaction would leave an id no row has in Django's process-wide cache (the audit
    # trail refers to content types).
    ContentType.objects.clear_cache()
    # Likewise the system identity a request of an earlier test read: a transactional test's flush and restore
    # can make the account again under another id (PostgreSQL), and the audit trail refers to it.
    identity._found.clear()
    yield


@pytest.fixture(autouse=True)
def _search_documents_flushed(request, django_db_blocker):
    """After a transactional test, SQLite's full-text tables are emptied too: Django's flush empties the
    models' tables only, and a restore (tests/core/test_backup.py) starts the ids again, so a later test's
    ticket 1 would meet the document of an earlier test's ticket 1 (the index writes a new ticket's
    document without looking for an old one)."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if not ({"transactional_db", "live_server"} & set(request.fixturenames)
            or (marker is not None and marker.kwargs.get("transaction"))):
        return
    from django.db import connection

    from servicedesk.search import articles, index

    if connection.vendor != "sqlite":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for table in (index.FTS_TABLE, articles.FTS_TABLE):
            cursor.execute(f"DELETE FROM {table}")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Chinese leaves its language active in
    the thread (LocaleMiddleware does not reset it), and texts written outside a request, such as the
    history's category paths, would follow whichever test ran before."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _sla_inline(settings):
    """Clocks recomputed in the request that changed the ticket, so tests read them at once (the
    embedded default leaves it to the scheduler's catch-up; tests/sla/test_catch_up.py tests that)."""
    settings.SERVICEDESK_SLA_INLINE = True


@pytest.fixture
def desk(db):
    """The demo desk without tickets: admin, manager, lead1, agent1, agent2, customer1/2 (organisation A),
    customer3 (organisation B), and the 1st/2nd/3rd-line groups and supplier."""
    call_command("demo", no_tickets=True, stdout=open("/dev/null", "w"))
    pin_languages()
    return Desk(
        users={u.username: u for u in User.objects.all()},
        groups={g.name: g for g in Group.objects.all()},
    )


# The languages the tests' people have saved, which their expectations (mail, screens) are written
# for; the demo itself leaves them to the browser.
LANGUAGES = {"admin": "en", "manager": "zh-hans", "lead1": "zh-hans", "agent1": "en", "agent2": "zh-hans",
             "customer1": "zh-hans", "customer2": "en", "customer3": "zh-hans"}


def pin_languages() -> None:
    for username, language in LANGUAGES.items():
        User.objects.filter(username=username).update(language=language)


class Desk:
    def __init__(self, users, groups):
        self.users = users
        self.groups = groups

    def __getattr__(self, name):
        try:
            return self.users[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def first_line(self):
        return self.groups["Service Desk (1st line)"]

    @property
    def second_line(self):
        return self.groups["Network and Infrastructure (2nd line)"]

    @property
    def third_line(self):
        return self.groups["Applications (3rd line)"]

    @property
    def supplier(self):
        return self.groups["Hardware supplier"]


class Api:
    """A JSON client for /api/v1 acting as one user through a bearer token."""

    def __init__(self, user):
        _, raw = ApiToken.issue(user)
        self.user = user
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def _call(self, method, path, data=None, **extra):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = dict(extra)
        if data is not None and method != "get":
            kwargs.update(data=json.dumps(data), content_type="application/json")
        elif data is not None:
            kwargs["data"] = data
        response = getattr(self.client, method)(url, **kwargs)
        try:
            response.json_body = json.loads(response.content) if response.content else None
        except ValueError:
            response.json_body = None
        return response

    def get(self, path, params=None, **extra):
        return self._call("get", path, params, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, **extra)


@pytest.fixture
def api(desk):
    """api("customer1") → a client acting as customer1."""
    clients = {}

    def make(username):
        if username not in clients:
            clients[username] = Api(desk.users[username])
        return clients[username]

    return make


def pytest_collection_modifyitems(items):
    """Every transactional test (live server, subprocesses, workers) restores the migrated database's
    rows (transitions, calendars, policies, content types) before it runs, and its flush afterwards
    does not re-run post_migrate: a later test that restores them would otherwise find duplicates
    (e.g. content types) whatever the order the tests run in."""
    for item in items:
        item.fixturenames.append("django_db_serialized_rollback")


# --- the browser tests' Chromium (tests/e2e and the apps' own browser tests) -----------------------------
# One definition for the whole run: Playwright's sync API runs an event loop in this thread, and a second
# session-scoped instance (a test module importing the fixture) cannot start while the first one runs.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium package.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
