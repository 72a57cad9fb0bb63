"""Who may manage whom: the one rule the people actions check and every list of people is filtered by.

- Nobody acts on the system identity (nor on the legacy mail robot): it never signs in.
- Administrators (and the system identity: directory sync, commands) manage everyone else.
- Desk managers manage customers, agents and group leads (not other managers or administrators).
- Group leads manage customers and the agents of the groups they lead.
- Agents manage customers: the desk serves every customer (there is no per-organisation assignment of
  agents to scope by), and creating and looking after callers is the 1st line's daily work.
- Customers manage nobody. Nobody manages themselves here (their own preferences page does that).

`manageable_people` (a queryset filter) and `may_manage` (a check on one person) state the same rule
twice, once for SQL and once for Python; tests hold them to each other.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from servicedesk.accounts.models import Role, User, system_usernames


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN or user.is_superuser


def may_manage(actor: User, person: User) -> bool:
    if person.is_system_identity or actor is None or not actor.is_authenticated:
        return False
    if actor.is_system_identity:
        return True
    if not actor.is_active or actor.pk == person.pk:
        return False
    if _is_admin(actor):
        return True
    if _is_admin(person) or person.role == Role.MANAGER:
        return False
    if actor.role == Role.MANAGER:
        return True
    if person.role == Role.CUSTOMER:
        return actor.is_desk_staff
    if actor.role == Role.LEAD and person.role == Role.AGENT:
        return person.member_of.filter(lead=actor).exists()
    return False


def manageable_people(actor: User, queryset: QuerySet | None = None) -> QuerySet:
    queryset = (User.objects.all() if queryset is None else queryset).exclude(username__in=system_usernames())
    if actor is None or not actor.is_authenticated:
        return queryset.none()
    if actor.is_system_identity:
        return queryset
    if not actor.is_active:
        return queryset.none()
    queryset = queryset.exclude(pk=actor.pk)
    if _is_admin(actor):
        return queryset
    if actor.role == Role.MANAGER:
        return queryset.filter(role__in=[Role.CUSTOMER, Role.AGENT, Role.LEAD], is_superuser=False)
    if actor.role == Role.LEAD:
        led_agents = User.objects.filter(role=Role.AGENT, member_of__lead=actor).values("pk")
        return queryset.filter(Q(role=Role.CUSTOMER) | Q(pk__in=led_agents), is_superuser=False)
    if actor.role == Role.AGENT:
        return queryset.filter(role=Role.CUSTOMER, is_superuser=False)
    return queryset.none()


def may_handle_personal_data(actor: User, person: User) -> bool:
    """Exporting and erasing a person's data: administrators and desk managers, within the rule above."""
    return (actor.is_system_identity or _is_admin(actor) or actor.role == Role.MANAGER) and may_manage(actor, person)


def may_read_audit(actor: User) -> bool:
    """The auditor's export: desk managers and administrators."""
    return bool(actor and actor.is_authenticated and actor.is_active
                and (_is_admin(actor) or actor.role == Role.MANAGER))
