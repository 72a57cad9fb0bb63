"""A number attribute is a number a person could mean: "1e400" or "1e5000" in a form, the API or an import is
refused with the reason (it was stored as a 401-digit integer, or answered 500 as JSON cannot write it)."""

import pytest

from servicedesk.cmdb.actions import ItemInput, create_item
from servicedesk.core.errors import ActionError

from .conftest import make


@pytest.mark.parametrize("value", ["1e400", "1e5000", "-1e5000", "1000000000000000"])
def test_a_huge_number_is_refused_on_every_channel(api, types, desk, value):
    refused = api("lead1").post("cmdb/items", {"type": "server", "name": "srv-big", "attributes": {"cpus": value}})
    assert refused.status_code == 400
    assert refused.json_body["message"] in ("CPUs is too large a number.", "处理器数 数值过大。")
    with pytest.raises(ActionError):
        create_item(actor=desk.lead1, channel="console", data=ItemInput(type=types["server"], name="srv-big",
                                                                          attributes={"cpus": value}))


def test_ordinary_numbers_still_pass(api, types, desk):
    for value, stored in (("999999999999999", 999999999999999), ("0.5", 0.5), ("1e-9", 1e-9), ("0", 0)):
        item = make(desk, types, "server", f"srv-{value}", attributes={"cpus": value})
        assert item.attributes == {"cpus": stored}
