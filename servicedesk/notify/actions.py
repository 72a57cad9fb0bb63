"""Every change to chat robots, one function each (docs/architecture.md's shape): one transaction, the robot
locked, who may (``notify.robot_access``) and the version the caller loaded checked, the robot validated as the
admin validates it, written, and the audit trail recorded (the webhook address and the secret masked). The
test message is planned into the outbox like every other message and sent after commit."""

from __future__ import annotations

import dataclasses
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import Group, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound

from . import chat, robot_access
from .models import CHAT_TEST, Robot

audit.register_events([("chat_test", gettext_lazy("test message sent"))])

FIELDS = ["name", "platform", "webhook_url", "secret", "language", "events", "is_active"]


@dataclasses.dataclass
class RobotInput:
    """A robot's settings as a caller gives them; ``secret`` None keeps the stored one (forms never show it)."""

    name: str
    platform: str
    webhook_url: str
    language: str
    events: list[str]
    is_active: bool = True
    secret: str | None = None


def _validated(robot: Robot) -> None:
    try:
        robot.full_clean()
    except ValidationError as error:
        raise ActionError(" ".join(error.messages)) from None


def _apply(robot: Robot, data: RobotInput) -> None:
    robot.name = " ".join(data.name.split())
    robot.platform = data.platform
    robot.webhook_url = data.webhook_url.strip()
    robot.language = data.language
    robot.events = sorted(set(data.events))
    robot.is_active = bool(data.is_active)
    if data.secret is not None:
        robot.secret = data.secret.strip()


@transaction.atomic
def create_robot(data: RobotInput, *, actor: User, channel: str, group: Group | None = None) -> Robot:
    """A new robot of ``group`` (its lead or an administrator), or else the actor's own."""
    if group is not None and not robot_access.may_manage_group(actor, group):
        raise NotAllowed(_("Only the group's lead and administrators manage the group's robots."))
    if group is None and not actor.is_desk_staff:
        raise NotAllowed(_("Only desk staff have robots of their own."))
    robot = Robot(group=group, user=None if group is not None else actor)
    _apply(robot, data)
    _validated(robot)
    robot.save()
    audit.record_created(robot, actor=actor, channel=channel, fields=["group", "user", *FIELDS])
    return robot


def lock_robot(robot: Robot | int, actor: User, expected_version: int | None = None) -> Robot:
    pk = robot.pk if isinstance(robot, Robot) else robot
    found = robot_access.manageable(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such chat robot."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this robot since you loaded it (now version %(v)s); reload it and "
                         "make your change again.") % {"v": found.version})
    return found


@transaction.atomic
def update_robot(robot: Robot | int, data: RobotInput, *, actor: User, channel: str,
                 expected_version: int | None = None) -> Robot:
    robot = lock_robot(robot, actor, expected_version)
    before = audit.snapshot(robot, FIELDS)
    _apply(robot, data)
    _validated(robot)
    if not audit.diff(before, audit.snapshot(robot, FIELDS)):
        return robot
    robot.version += 1
    robot.updated_at = timezone.now()
    robot.save()
    audit.record_change(robot, before, actor=actor, channel=channel)
    return robot


@transaction.atomic
def delete_robot(robot: Robot | int, *, actor: User, channel: str, expected_version: int | None = None) -> None:
    """Delete the robot; its messages not sent yet fail with the reason (the outbox keeps what was sent)."""
    robot = lock_robot(robot, actor, expected_version)
    audit.record_deleted(robot, actor=actor, channel=channel)
    robot.delete()


@transaction.atomic
def send_test_message(robot: Robot | int, *, actor: User, channel: str) -> int:
    """Plan a test message to the robot and send it after commit; returns its outbox row."""
    from .tasks import send_notification

    robot = lock_robot(robot, actor)
    if not robot.is_active:
        raise ActionError(_("The robot is switched off: switch it on to test it."))
    planned = chat.plan_chat(CHAT_TEST, [robot], ticket=None, source_key=f"test:{uuid.uuid4().hex}",
                             build_context=lambda robot: {"actor": actor.display_name})
    if not planned:
        raise ActionError(_("The test message could not be written."))
    pk = planned[0]
    audit.record_event(robot, "chat_test", actor=actor, channel=channel)
    transaction.on_commit(lambda: send_notification.delay(pk))
    return pk
