"""Who sees which notice, and who may change them: the one scoping rule of the banners, the status page, the
screens, the API and the mail.

- A notice **affects** everyone when it names no organisation, else the customers of the organisations it
  names. Desk staff are shown every notice (they answer the calls about all of them).
- Readers: staff read every notice; a signed-in customer those that affect them and the public ones; a
  visitor who is not signed in only the public ones (the status page).
- Group leads, desk managers and administrators write notices; only managers and administrators delete
  them; any member of the desk staff links tickets to them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from servicedesk.accounts.models import Role

from .models import Announcement

WRITER_ROLES = frozenset({Role.LEAD, Role.MANAGER, Role.ADMIN})


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_staff(user) -> bool:
    return _signed_in(user) and user.is_desk_staff


def affects_q(user) -> Q:
    """The notices that concern a signed-in customer: for everyone, or for their organisation."""
    everyone = ~Q(pk__in=Announcement.organisations.through.objects.values("announcement_id"))
    if user.organisation_id:
        return everyone | Q(pk__in=Announcement.organisations.through.objects.filter(
            organisation_id=user.organisation_id).values("announcement_id"))
    return everyone


def readable(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Announcement.objects.all() if queryset is None else queryset
    if is_staff(user):
        return queryset
    if not _signed_in(user):
        return queryset.filter(public=True)
    return queryset.filter(Q(public=True) | affects_q(user))


def affecting(user, queryset: QuerySet | None = None) -> QuerySet:
    """The notices of `user`'s banner: staff all, a customer those that affect them, nobody else any."""
    queryset = Announcement.objects.all() if queryset is None else queryset
    if is_staff(user):
        return queryset
    if not _signed_in(user):
        return queryset.none()
    return queryset.filter(affects_q(user))


def affects(user, organisation_ids: list[int] | tuple[int, ...]) -> bool:
    """The same rule as `affecting`, on a notice's organisations already read (the cached banner)."""
    if is_staff(user):
        return True
    if not _signed_in(user):
        return False
    return not organisation_ids or user.organisation_id in organisation_ids


def can_read(user, announcement: Announcement) -> bool:
    return readable(user, Announcement.objects.filter(pk=announcement.pk)).exists()


def may_write(user) -> bool:
    return is_staff(user) and user.role in WRITER_ROLES


def may_delete(user) -> bool:
    return is_staff(user) and user.sees_whole_desk


def may_link_tickets(user) -> bool:
    return is_staff(user)
