"""`url()` in the Jinja2 templates reverses each route once and quotes the arguments into its shape: the
links are reverse()'s, for any ticket number or id, and what reverse() refuses it refuses too."""

import pytest
from django.urls import NoReverseMatch, reverse

from servicedesk.core.jinja import _reverse, _shape, url

CASES = [
    ("console:ticket", "SD-000123"),
    ("console:ticket", "a b%c"),
    ("console:ticket", "中文"),
    ("console:ticket_unlink", "SD-000123", 42),
    ("console:ticket_unlink", "SD-1", "007"),  # the id converter writes 7
    ("console:ticket_attachment", "SD-9", 0),
    ("console:home",),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{c[1:]}" for c in CASES])
def test_url_is_reverse(case):
    name, *args = case
    assert url(name, *args) == reverse(name, args=[str(a) for a in args])


def test_refused_arguments_are_refused():
    with pytest.raises(NoReverseMatch):
        url("console:ticket_unlink", "SD-1", "abc")  # a word where the route takes an id
    with pytest.raises(NoReverseMatch):
        url("console:ticket", "SD/1")


def test_a_new_ticket_reverses_nothing():
    url("console:ticket_unlink", "SD-000001", 1)
    before = _shape.cache_info().misses, _reverse.cache_info().misses
    for n in range(2, 30):
        assert url("console:ticket_unlink", f"SD-{n:06d}", n) == f"/console/tickets/SD-{n:06d}/links/{n}/remove/"
    assert (_shape.cache_info().misses, _reverse.cache_info().misses) == before
