"""The database session engine (core.sessions) and the session's user (accounts.identity.DeskBackend): the
rows Django's own engine and backend read, by statements built once."""

import datetime

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.accounts.identity import DeskBackend, system_user
from servicedesk.accounts.models import User
from servicedesk.core.sessions import SessionStore


def test_the_desk_uses_it_without_a_shared_cache():
    assert settings.SESSION_ENGINE == ("django.contrib.sessions.backends.cached_db" if settings.SERVICEDESK_CACHE_URL
                                       else "servicedesk.core.sessions")


def test_a_stored_session_loads_as_with_djangos_engine(db):
    store = SessionStore()
    store["answer"] = {"长": 42, "list": [1, "二"]}
    store.create()
    with CaptureQueriesContext(connection) as queries:
        loaded = SessionStore(session_key=store.session_key).load()
    assert len(queries.captured_queries) == 1
    assert loaded == DjangoStore(session_key=store.session_key).load() == {"answer": {"长": 42, "list": [1, "二"]}}


def test_an_expired_or_unknown_session_starts_afresh(db):
    store = SessionStore()
    store["x"] = 1
    store.create()
    past = timezone.now() - datetime.timedelta(seconds=1)
    Session.objects.filter(session_key=store.session_key).update(expire_date=past)
    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore(session_key="x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_the_sessions_user_is_read_as_djangos_backend_reads_it(desk):
    backend = DeskBackend()
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(desk.agent1.pk)
    assert len(queries.captured_queries) == 1
    orm = User.objects.get(pk=desk.agent1.pk)
    assert [getattr(user, f.attname) for f in User._meta.concrete_fields] == \
        [getattr(orm, f.attname) for f in User._meta.concrete_fields]
    assert backend.get_user(10**12) is None
    assert backend.get_user(system_user().pk) is None  # never signed in
    User.objects.filter(pk=desk.agent2.pk).update(is_active=False)
    assert backend.get_user(desk.agent2.pk) is None


def test_a_signed_in_request_reads_the_session_and_then_the_user(desk, client):
    client.force_login(desk.agent1)
    assert client.session[SESSION_KEY] == str(desk.agent1.pk)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/console/")
    assert response.status_code in (200, 302)
    first, second = (q["sql"] for q in queries.captured_queries[:2])
    assert "django_session" in first and client.session.session_key in first
    assert "accounts_user" in second and str(desk.agent1.pk) in second
    client.logout()
    assert client.get("/console/").status_code == 302  # signed out: to the sign-in page
