import datetime

from servicedesk.core import links

DAY = datetime.timedelta(days=1)


def test_a_token_gives_back_its_values():
    token = links.make("survey.rate", 42, 3)
    assert links.read("survey.rate", token, DAY) == ["42", "3"]


def test_a_token_is_bound_to_its_purpose():
    token = links.make("survey.rate", 42)
    assert links.read("approval.decide", token, DAY) is None


def test_an_altered_or_forged_token_reads_as_none():
    token = links.make("survey.rate", 42)
    value, rest = token.split(":", 1)
    assert links.read("survey.rate", "43:" + rest, DAY) is None
    assert links.read("survey.rate", "", DAY) is None
    assert links.read("survey.rate", "nonsense", DAY) is None


def test_an_expired_token_reads_as_none(monkeypatch):
    token = links.make("survey.rate", 42)
    import time

    later = time.time() + 2 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    assert links.read("survey.rate", token, DAY) is None


def test_values_with_the_separator_are_refused():
    import pytest

    with pytest.raises(ValueError):
        links.make("x", "a/b")
