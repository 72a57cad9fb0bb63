"""Whose figures a viewer may see. Every report path (compute, breakdown, distribution, drill-down, the
API and the screens) narrows its filters here first, so a parameter can narrow a report but never widen it:

- desk managers and administrators: the whole desk;
- group leads: the tickets of the groups they lead or belong to, and the tickets assigned to them;
- agents: the tickets assigned to them ("my figures"), whatever `agent=` says;
- customers (and anyone signed out): no report at all.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from servicedesk.accounts.models import Group, Role
from servicedesk.core.errors import NotAllowed
from servicedesk.tickets.permissions import group_ids

from .filters import Filters


def may_view_reports(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_desk_staff)


def may_view_desk_reports(user) -> bool:
    """Figures beyond one's own: group leads and above."""
    return may_view_reports(user) and user.role != Role.AGENT


def restrict(user, filters: Filters) -> Filters:
    if not may_view_reports(user):
        raise NotAllowed(_("Reports are for desk staff."))
    if user.sees_whole_desk:
        return filters
    if user.role == Role.AGENT:
        if filters.agent not in (None, user.pk):
            raise NotAllowed(_("You may see only your own figures."))
        return replace(filters, agent=user.pk)
    groups = tuple(sorted(group_ids(user)))
    if filters.group is not None and filters.group not in groups:
        raise NotAllowed(_("You may see only the figures of your groups."))
    if filters.agent not in (None, user.pk) and not Group.objects.filter(
            pk__in=groups, members=filters.agent).exists():
        raise NotAllowed(_("You may see only the figures of your groups' people."))
    return replace(filters, scope_groups=groups, scope_agent=user.pk)
