"""Rate-limit counters: fixed windows, shared between the desk's processes, the client's address."""

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.test import RequestFactory

from servicedesk.core import ratelimit
from servicedesk.core.ratelimit import Limit, client_address


@pytest.fixture
def two_processes(tmp_path, monkeypatch):
    """Two cache objects on one folder, as two gunicorn workers of the embedded desk have them."""
    first, second = (FileBasedCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 20000}}) for _ in range(2))
    current = {"cache": first}
    monkeypatch.setattr(ratelimit, "caches", {"ratelimit": _Proxy(current)})
    return current, first, second


class _Proxy:
    def __init__(self, current):
        self.current = current

    def __getattr__(self, name):
        return getattr(self.current["cache"], name)


def test_counts_in_the_embedded_file_cache_are_shared_between_processes(two_processes):
    current, first, second = two_processes
    limit = Limit("test", 3, 60)
    for cache in (first, second, first):
        current["cache"] = cache
        assert limit.retry_after("10.0.0.1") == 0
        limit.hit("10.0.0.1")
    current["cache"] = second
    assert 1 <= limit.retry_after("10.0.0.1") <= 60
    assert limit.retry_after("10.0.0.2") == 0


def test_a_burst_across_a_windows_edge_gets_no_second_allowance(two_processes):
    limit = Limit("test", 5, 60)
    start = 60 * 1_000_000 + 54  # 0.9 of a window gone
    for n in range(5):
        assert limit.retry_after("k", now=start + n * 0.1) == 0
        limit.hit("k", now=start + n * 0.1)
    assert limit.retry_after("k", now=start + 1) == 6  # until the window ends: 6 s
    # 0.1 into the next window the previous one still weighs 0.9 × 5 = 4.5: one more, not five.
    after_edge = start + 12
    assert limit.retry_after("k", now=after_edge) == 0
    limit.hit("k", now=after_edge)
    wait = limit.retry_after("k", now=after_edge)
    assert wait > 0
    # Under 5 again once the previous window weighs under 4: more than 0.2 into this one, 12 s.
    assert wait == 7
    assert limit.retry_after("k", now=after_edge + wait - 1) > 0
    assert limit.retry_after("k", now=after_edge + wait) == 0


def test_a_limit_of_zero_is_off(two_processes):
    limit = Limit("test", 0, 60)
    limit.hit("x")
    assert limit.retry_after("x") == 0


def test_the_client_address_comes_from_a_header_only_when_configured(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2",
                                   HTTP_X_REAL_IP="3.3.3.3")
    assert client_address(request) == "10.0.0.9"
    settings.SERVICEDESK_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_address(request) == "2.2.2.2"
    settings.SERVICEDESK_PROXY_COUNT = 2
    assert client_address(request) == "1.1.1.1"
    settings.SERVICEDESK_PROXY_COUNT = 5
    assert client_address(request) == "1.1.1.1"
    settings.SERVICEDESK_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_address(request) == "3.3.3.3"
    settings.SERVICEDESK_CLIENT_IP_HEADER = "X-Missing"
    assert client_address(request) == "10.0.0.9"
    # Not an address (the database would refuse to store it): the connection's address is used.
    settings.SERVICEDESK_CLIENT_IP_HEADER, settings.SERVICEDESK_PROXY_COUNT = "X-Forwarded-For", 1
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.1.1.1, not-an-ip")
    assert client_address(garbage) == "10.0.0.9"
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="")) is None
