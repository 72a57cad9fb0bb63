"""The desk's HMAC signature: what it accepts and what it refuses."""

from servicedesk.core import signing

BODY = b'{"event": "offered", "id": "c-1"}'


def test_a_signed_body_verifies_with_its_secret_only():
    value = signing.header("s3cret", BODY, now=1_800_000_000)
    assert signing.verify(value, BODY, "s3cret", now=1_800_000_010)
    assert not signing.verify(value, BODY, "other", now=1_800_000_010)
    assert signing.verify(value, BODY, ["old", "s3cret"], now=1_800_000_010)  # rotation


def test_a_changed_body_or_an_old_signature_is_refused():
    value = signing.header("s3cret", BODY, now=1_800_000_000)
    assert not signing.verify(value, BODY + b" ", "s3cret", now=1_800_000_000)
    assert not signing.verify(value, BODY, "s3cret", now=1_800_000_000 + signing.TOLERANCE + 1)


def test_malformed_headers_are_not_valid():
    for value in (None, "", "v1=abc", "t=x,v1=abc", "t=1800000000", "garbage"):
        assert not signing.verify(value, BODY, "s3cret", now=1_800_000_000)
    assert not signing.verify(signing.header("", BODY), BODY, "")  # no secret configured: nothing verifies
