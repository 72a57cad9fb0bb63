"""Who sees and who changes configuration items: the one scoping rule every list, page, picker and API answer
about items goes through (beside tickets.permissions for tickets).

- Desk staff see every item: the estate is the whole desk's, as the knowledge base is.
- Customers see only the items they use (`item.user`), the devices they may pick when they report.
- Group leads, desk managers and administrators change items and their relations (`may_manage`); any desk
  staff member links items to the tickets they can see (`cmdb.actions.link_item`).
"""

from __future__ import annotations

from django.db.models import QuerySet

from servicedesk.accounts.models import Role

from .models import ConfigItem, ItemStatus

MANAGER_ROLES = frozenset({Role.LEAD, Role.MANAGER, Role.ADMIN})


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def visible_items(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = ConfigItem.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    if user.is_desk_staff:
        return queryset
    return queryset.filter(user=user)


def can_see_item(user, item: ConfigItem) -> bool:
    if not _active(user):
        return False
    return user.is_desk_staff or item.user_id == user.pk


def may_manage(user) -> bool:
    return _active(user) and user.is_desk_staff and user.role in MANAGER_ROLES


def own_devices(user) -> QuerySet:
    """The items a person uses and may pick when they report: not retired."""
    return (visible_items(user).filter(user=user).exclude(status=ItemStatus.RETIRED).select_related("type")
            .order_by("name"))
