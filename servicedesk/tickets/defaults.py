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
