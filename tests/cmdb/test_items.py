"""Items and relations through the actions: who may change them, the expected version, the type's fields
checked, the audit trail, and the announcement after commit."""

import pytest

from servicedesk.cmdb import actions
from servicedesk.cmdb.attributes import clean_definitions
from servicedesk.cmdb.models import ConfigItem, Relation
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed

from .conftest import CONSOLE, make


def test_only_leads_managers_and_administrators_change_items(desk, types):
    with pytest.raises(NotAllowed):
        actions.create_item(actor=desk.agent1, channel=CONSOLE, data=actions.ItemInput(type=types["laptop"], name="x"))
    make(desk, types, "laptop", "by a manager", user=desk.customer1)
    assert list(ConfigItem.objects.values_list("name", flat=True)) == ["by a manager"]


def test_update_checks_the_version_and_records_what_changed(desk, estate, django_capture_on_commit_callbacks):
    server = estate["server"]
    heard = []
    actions.item_changed.connect(lambda sender, **kw: heard.append(kw["event"]), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.update_item(server, actor=desk.lead1, channel=CONSOLE, expected_version=1,
                                data=actions.ItemInput(location="Rack 9", attributes={"cpus": 12, "os": "Linux"}))
    finally:
        actions.item_changed.disconnect(dispatch_uid="t")
    assert heard == ["updated"]
    entry = audit.trail(server).filter(field="location").get()
    assert (entry.old_value, entry.new_value, entry.actor) == ("", "Rack 9", desk.lead1)
    with pytest.raises(Conflict):
        actions.update_item(server, actor=desk.lead1, channel=CONSOLE, expected_version=1,
                            data=actions.ItemInput(location="Rack 10"))
    same = actions.update_item(server, actor=desk.lead1, channel=CONSOLE, data=actions.ItemInput(location="Rack 9"))
    assert same.version == 2  # nothing changed: no new version


def test_attributes_are_checked_against_the_type(desk, types):
    def server(attributes):
        return actions.create_item(actor=desk.manager, channel=CONSOLE,
                                   data=actions.ItemInput(type=types["server"], name="s", attributes=attributes))

    with pytest.raises(ActionError, match="CPUs is required"):
        server({})
    with pytest.raises(ActionError, match="must be one of: Linux, Windows"):
        server({"cpus": 1, "os": "BeOS"})
    with pytest.raises(ActionError, match="YYYY-MM-DD"):
        server({"cpus": 1, "bought": "last week"})
    with pytest.raises(ActionError, match="no field colour"):
        server({"cpus": 1, "colour": "red"})
    assert server({"cpus": "2.5", "bought": "2026-01-31"}).attributes == {"cpus": 2.5, "bought": "2026-01-31"}


def test_type_definitions_are_checked():
    with pytest.raises(ActionError, match="needs its choices"):
        clean_definitions([{"key": "os", "kind": "choice"}])
    with pytest.raises(ActionError, match="Two fields"):
        clean_definitions([{"key": "a"}, {"key": "a"}])
    with pytest.raises(ActionError, match="unknown kind"):
        clean_definitions([{"key": "a", "kind": "colour"}])
    assert clean_definitions([{"key": "a"}])[0] == {"key": "a", "label": "a", "label_zh": "", "kind": "text",
                                                    "choices": [], "required": False}


def test_relations_refuse_duplicates_and_self_and_are_audited(desk, estate):
    with pytest.raises(ActionError, match="already related"):
        actions.add_relation(estate["app"], estate["server"], "runs_on", actor=desk.manager, channel=CONSOLE)
    with pytest.raises(ActionError, match="itself"):
        actions.add_relation(estate["app"], estate["app"], "runs_on", actor=desk.manager, channel=CONSOLE)
    with pytest.raises(NotAllowed):
        actions.add_relation(estate["laptop"], estate["app"], "depends_on", actor=desk.agent1, channel=CONSOLE)
    relation = Relation.objects.get(source=estate["app"], kind="runs_on")
    actions.remove_relation(relation, actor=desk.manager, channel=CONSOLE)
    assert audit.trail(estate["app"]).first().action == "relation_removed"
