"""Policies and escalation rules name the unknown values of their list fields, in the user's language."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from servicedesk.sla.models import EscalationRule, SlaPolicy


def errors_of(row):
    with pytest.raises(ValidationError) as caught:
        row.clean()
    return {field: [str(m) for m in messages] for field, messages in caught.value.message_dict.items()}


def test_a_policy_names_each_unknown_value():
    policy = SlaPolicy(priorities=[2, 9], ticket_types=["incident", "gripe"], pause_statuses=["napping"],
                       pause_reasons=["customer", "moon"])
    assert errors_of(policy) == {
        "priorities": ["Unknown priorities: 9"], "ticket_types": ["Unknown ticket types: gripe"],
        "pause_statuses": ["Unknown statuses: napping"], "pause_reasons": ["Unknown pending reasons: moon"],
    }


def test_an_escalation_rule_names_each_unknown_value_in_chinese():
    rule = EscalationRule(threshold=80, priorities=[0, 1], ticket_types=["gripe"])
    with translation.override("zh-hans"):
        assert errors_of(rule) == {"priorities": ["未知优先级：0"], "ticket_types": ["未知工单类型：gripe"]}


def test_known_values_pass():
    SlaPolicy(priorities=[1], ticket_types=["incident"], pause_statuses=["pending"], pause_reasons=["customer"]).clean()
