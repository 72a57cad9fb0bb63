"""The default lifecycle (seed 003) and priority matrix, seeded by migrations and editable in the admin."""

STAFF = ["agent", "lead", "manager", "admin"]
WORKING = ["new", "acknowledged", "assigned", "in_progress", "pending"]

TRANSITIONS = [
    # action, label, label_zh, from, to, roles, requester_may
    ("acknowledge", "Acknowledge", "受理", ["new"], "acknowledged", STAFF, False),
    ("assign", "Assign", "分派", WORKING, "assigned", STAFF, False),
    ("start", "Start work", "开始处理", ["acknowledged", "assigned"], "in_progress", STAFF, False),
    ("pend", "Pend", "挂起", ["acknowledged", "assigned", "in_progress"], "pending", STAFF, False),
    ("resume", "Resume", "恢复处理", ["pending"], "in_progress", STAFF, False),
    ("resolve", "Resolve", "解决", WORKING, "resolved", STAFF, False),
    ("confirm", "Confirm", "确认解决", ["resolved"], "closed", [], True),
    ("reopen", "Reopen", "重新打开", ["resolved", "closed"], "assigned", STAFF, True),
    ("close", "Close", "关闭", ["resolved"], "closed", STAFF, False),
]

PRIORITY_MATRIX = [
    # impact, urgency, priority (1 = highest)
    (1, 1, 1), (1, 2, 2), (1, 3, 3),
    (2, 1, 2), (2, 2, 3), (2, 3, 4),
    (3, 1, 3), (3, 2, 4), (3, 3, 5),
]


def ensure_defaults(transition_model, rule_model) -> None:
    """Create the default transitions and matrix cells that are missing; never change existing ones.
    Takes the models as arguments so migrations can pass their historical versions."""
    for order, (action, label, label_zh, sources, target, roles, requester_may) in enumerate(TRANSITIONS):
        transition_model.objects.get_or_create(
            action=action,
            defaults={
                "label": label, "label_zh": label_zh, "from_statuses": sources, "to_status": target,
                "roles": roles, "requester_may": requester_may, "order": order,
            },
        )
    for impact, urgency, priority in PRIORITY_MATRIX:
        rule_model.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})
