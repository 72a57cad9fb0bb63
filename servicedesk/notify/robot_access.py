"""Who may manage which chat robots: the one rule of the console's robot screens and the robot actions.

- Administrators manage every robot.
- A group's lead manages the group's robots (the group's ``lead``; leading one group gives no say over another).
- Every member of the desk staff manages their own robots. Customers have none.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from servicedesk.accounts.models import Group, Role

from .models import Robot


def _staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.is_desk_staff)


def is_admin(user) -> bool:
    return _staff(user) and user.role == Role.ADMIN


def manageable(user) -> QuerySet:
    """The robots ``user`` may see and change."""
    if not _staff(user):
        return Robot.objects.none()
    if is_admin(user):
        return Robot.objects.all()
    return Robot.objects.filter(Q(user=user) | Q(group__lead=user))


def groups_for(user) -> QuerySet:
    """The groups whose robots ``user`` manages."""
    if not _staff(user):
        return Group.objects.none()
    groups = Group.objects.filter(is_active=True)
    return groups if is_admin(user) else groups.filter(lead=user)


def may_manage_group(user, group: Group) -> bool:
    return is_admin(user) or (_staff(user) and group.lead_id == user.pk)


def may_manage(user, robot: Robot) -> bool:
    if robot.group_id is not None:
        return may_manage_group(user, robot.group)
    return _staff(user) and (robot.user_id == user.pk or is_admin(user))
