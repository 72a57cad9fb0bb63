"""People, groups and desks as the screens and the mail ingester list them, cached (core.refdata)."""

from django.db.models import Q

from servicedesk.core.refdata import cached, changing

from .models import STAFF_ROLES, Desk, Group, Tier, User, system_usernames


def active_groups() -> list:
    return cached("groups", lambda: list(Group.objects.filter(is_active=True)))


def group_members(group_id: int | None) -> list:
    """The active staff of a group (members and its lead), by name."""
    if group_id is None:
        return []
    return cached(f"group-members:{group_id}", lambda: list(
        User.objects.filter(Q(member_of=group_id) | Q(led_groups=group_id), is_active=True, role__in=STAFF_ROLES)
        .distinct().order_by("first_name", "last_name", "username")
    ))


def first_line_teams() -> list[frozenset[int]]:
    """The people (members and lead) of each active 1st-line group: who follows up what the desk routes."""
    def build():
        teams: dict[int, set[int]] = {}
        for group_id, member_id, lead_id in (Group.objects.filter(tier=Tier.FIRST, is_active=True)
                                             .values_list("id", "members", "lead")):
            teams.setdefault(group_id, set()).update(pk for pk in (member_id, lead_id) if pk is not None)
        return [frozenset(team) for team in teams.values()]

    return cached("first-line-teams", build)


def staff() -> list[tuple[int, str, str]]:
    """(id, username, display name) of every active desk staff member, by username: the people a filter or
    a form offers (not the desk's system identity, which acts but is nobody to assign or filter by)."""
    return cached("staff", lambda: [
        (u.pk, u.username, u.display_name)
        for u in User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .exclude(username__in=system_usernames())
        .only("username", "first_name", "last_name").order_by("username")
    ])


def desk_prefixes() -> tuple[str, ...]:
    """The desks' ticket number prefixes (threading by the number in a subject)."""
    return cached("desk-prefixes", lambda: tuple(Desk.objects.values_list("prefix", flat=True)), fresh=True)


def group_names() -> dict[int, str]:
    """Every group's name by id in the user's language, inactive ones included (old tickets still show them)."""
    return cached("group-names", lambda: {g.pk: g.local_name for g in Group.objects.only("name", "name_zh")},
                  per_language=True)


def group_names_by_key() -> dict[str, str]:
    """Every group's name in the user's language by its stored English name (as history rows keep it)."""
    return cached("group-names-by-key", lambda: {
        g.name: g.local_name for g in Group.objects.only("name", "name_zh")
    }, per_language=True)


def groups_of(user_id: int) -> frozenset[int]:
    """The groups a person works in (member of or lead): who sees which tickets. From everyone's, kept
    fresh (core.refdata): a changed membership shows in every process at the next request, and a
    request reads one indexed row instead of joining the groups to their members."""
    if changing():
        return frozenset(Group.objects.filter(Q(members=user_id) | Q(lead=user_id)).values_list("id", flat=True))

    def build():
        groups: dict[int, set[int]] = {}
        for group_id, member_id, lead_id in Group.objects.values_list("id", "members", "lead"):
            for pk in (member_id, lead_id):
                if pk is not None:
                    groups.setdefault(pk, set()).add(group_id)
        return {pk: frozenset(ids) for pk, ids in groups.items()}

    return cached("group-memberships", build, fresh=True).get(user_id, frozenset())
