"""The desk's one system identity: the actor of everything the desk does by itself (routing rules,
auto-assignment, mail ingestion, escalation, commands run on the server).

One account, named by SERVICEDESK_SYSTEM_USERNAME (default "system"), made by a data migration so it
exists on every desk. It is a manager, so it sees every ticket it acts on, and it cannot sign in: it
has no usable password, and the sign-in backend and the API's tokens refuse it even if an
administrator gave it one. Timelines, history and mails show it as "Service desk (system)".

The mail robot ("mail-robot") of earlier versions is kept as a deactivated legacy account: the
tickets' history is append-only, so what it did stays attributed to it, and it is shown like the
system identity.
"""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from servicedesk.core import rows

from .models import Role, User

# The account, per user name, read once per process: every new ticket's routing acts as it. A test
# database flushed between tests makes it again (post_migrate), and forgets this (see forget()).
_found: dict[str, User] = {}


def system_user() -> User:
    """The system identity (made if missing, e.g. in a database emptied since it was migrated)."""
    username = settings.SERVICEDESK_SYSTEM_USERNAME
    user = _found.get(username)
    if user is None:
        user = User.objects.filter(username=username).first()
        if user is None:
            # Not remembered: made inside a transaction that may yet roll back.
            return ensure_system_user(username)
        _found[username] = user
    # A copy: callers and permission checks keep per-request state on the user object.
    return copy.copy(user)


def ensure_system_user(username: str | None = None) -> User:
    user, created = User.objects.get_or_create(
        username=username or settings.SERVICEDESK_SYSTEM_USERNAME,
        defaults={"role": Role.MANAGER, "first_name": "Service desk", "last_name": "(system)"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def forget(**kwargs) -> None:
    """After `migrate` or `flush` (post_migrate): the account may be new; make sure it exists."""
    _found.clear()
    ensure_system_user()


class DeskBackend(ModelBackend):
    """Django's password backend, which never lets the system identity in (nor keeps a session of it)."""

    def get_user(self, user_id):
        """The signed-in person of a session, as Django's backend reads it (every column, the same checks),
        by a statement built once (`core.rows.select`): the queryset's compilation cost more than the read
        on every signed-in request."""
        if not isinstance(user_id, int) or not -(2**63) <= user_id < 2**63:
            return super().get_user(user_id)
        found = rows.select(User, f"{connection.ops.quote_name('id')} = %s", [user_id])
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "is_system_identity", False)
