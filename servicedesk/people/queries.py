"""The people list (console screen and API): whom the viewer manages (permissions.manageable_people),
searched and filtered the same way in both; a person looked up through the same rule."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Role, User
from servicedesk.core.errors import ActionError, NotFound

from .permissions import manageable_people

ROLES = frozenset(Role.values)


def locked_attempts() -> QuerySet:
    """Sign-in attempts (django-axes) that lock a user name now: as many failures as the limit, within the
    lockout time when locks end by themselves."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.SERVICEDESK_LOGIN_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME)
    return attempts


def is_locked(user: User) -> bool:
    return locked_attempts().filter(username=user.username).exists()


def people(viewer: User, *, q: str = "", role: str = "", active: bool | None = None,
           locked: bool | None = None) -> QuerySet:
    """Name, user name, address, phone or organisation containing `q`; one role; active or not; locked
    or not. Newest first."""
    found = manageable_people(viewer).select_related("organisation")
    q = (q or "").strip()
    if q:
        found = found.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
                             | Q(email__icontains=q) | Q(phone__icontains=q) | Q(organisation__name__icontains=q))
    if role:
        if role not in ROLES:
            raise ActionError(_("Unknown role: %(role)s") % {"role": role})
        found = found.filter(role=role)
    if active is not None:
        found = found.filter(is_active=active)
    if locked is not None:
        lock = Exists(locked_attempts().filter(username=OuterRef("username")))
        found = found.filter(lock) if locked else found.exclude(lock)
    return found.order_by("-date_joined", "-id")


def person(viewer: User, pk: int) -> User:
    """One person the viewer manages; anyone else is not found (their existence is not told)."""
    found = manageable_people(viewer).select_related("organisation").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Person not found."))
    return found


def parse_day(value: str | None, default: datetime.date) -> datetime.date:
    if not value:
        return default
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ActionError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from None
