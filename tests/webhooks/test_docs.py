"""docs/webhooks.md's verification example accepts the desk's signature and refuses anything else."""

import re
import time
from pathlib import Path

from servicedesk.core import signing

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def test_the_documented_verification_checks_the_desks_signature():
    [code] = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    example: dict = {}
    exec(code, example)
    verified = example["verified"]
    body = '{"id":"ticket:1:created","type":"ticket.created","title":"打印机"}'.encode()
    header = signing.header("s3cret", body)
    assert verified(header, body, ["old", "s3cret"])
    assert not verified(header, body + b" ", ["s3cret"])
    assert not verified(header, body, ["other"])
    assert not verified(signing.header("s3cret", body, now=time.time() - 600), body, ["s3cret"])
    assert not verified(None, body, ["s3cret"]) and not verified("t=x,v1=y", body, ["s3cret"])
