"""The reference lists with a shared cache (Redis) that stops answering: pages and changes go on, read from the
database, and a change made meanwhile shows at once (a change committed before a response that reads the lists
must not be answered with an error)."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.models import Group
from servicedesk.core import refdata

from ..services import RedisServer


@pytest.fixture
def redis_cache(monkeypatch):
    server = RedisServer()
    server.start()
    shared = RedisCache(server.url, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})
    monkeypatch.setattr(refdata, "cache", shared)
    try:
        yield server
    finally:
        server.close()
        caches["default"].clear()


def test_lists_are_read_from_the_database_while_the_cache_is_down(desk, redis_cache):
    before = {g.name for g in accounts_refdata.active_groups()}
    redis_cache.stop()
    group = Group.objects.create(name="Printers while Redis is down")  # its signal bumps the version
    assert {g.name for g in accounts_refdata.active_groups()} == before | {group.name}
    redis_cache.start()  # back, empty (no persistence): built again and cached
    assert group.name in {g.name for g in accounts_refdata.active_groups()}
    assert refdata.version() == 1
