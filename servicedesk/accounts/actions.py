"""Changes to a person's access: API tokens issued and revoked, sign-in unlocked, password set.

Each runs in one transaction, checks that the actor may act for the user (themselves, or an
administrator; None is the system: a command run on the server), records the event in the person's
audit trail (core.audit, with the channel it came through), and logs the change once committed.
Screens, the API, the admin and commands all call these.
"""

from __future__ import annotations

import datetime
import logging

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound

from .models import ApiToken, Role, User

log = logging.getLogger(__name__)

TOKEN_NAME_MAX = ApiToken._meta.get_field("name").max_length
# Longest expiry offered: a token for years is a token that outlives the reason it was made.
TOKEN_MAX_DAYS = 3650


class Event(models.TextChoices):
    """The access events of a person's audit trail (AuditEntry.action)."""

    TOKEN_ISSUED = "token_issued", gettext_lazy("API token issued")
    TOKEN_REVOKED = "token_revoked", gettext_lazy("API token revoked")
    TOKENS_REVOKED = "tokens_revoked", gettext_lazy("all API tokens revoked")
    SIGN_IN_UNLOCKED = "sign_in_unlocked", gettext_lazy("sign-in unlocked")
    PASSWORD_SET = "password_set", gettext_lazy("password set by an administrator")


audit.register_events(Event.choices)


def _record(user: User, event: Event, *, actor: User | None, channel: str, note: str = "",
            token: ApiToken | None = None) -> None:
    if actor is None:  # a command run on the server: the trail names the desk's system identity
        from servicedesk.sla.escalation import system_actor

        actor = system_actor()
    if token is not None:  # which token, by the prefix its owner sees in the list, and its name
        note = f"{token.prefix}… {note}".strip()
    audit.record_event(user, event, actor=actor, channel=channel, note=note)


def _may_act_for(actor: User | None, user: User) -> bool:
    return actor is None or actor.pk == user.pk or actor.role == Role.ADMIN or actor.is_superuser


def _announce(message: str, *args) -> None:
    transaction.on_commit(lambda: log.info(message, *args))


def expiry_in_days(days: int) -> datetime.datetime:
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ActionError(_("A token can expire in 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS})
    return timezone.now() + datetime.timedelta(days=days)


def issue_token(user: User, *, name: str = "", expires_at: datetime.datetime | None = None,
                actor: User | None, channel: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the token and its raw value, which is shown once and never stored."""
    if not _may_act_for(actor, user):
        raise NotAllowed(_("You may only issue API tokens for yourself."))
    if not user.is_active:
        raise ActionError(_("%(user)s is disabled.") % {"user": user.username})
    name = (name or "").strip()
    if len(name) > TOKEN_NAME_MAX:
        raise ActionError(_("A token's name can be at most %(max)d characters.") % {"max": TOKEN_NAME_MAX})
    now = timezone.now()
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at, datetime.UTC)
        if expires_at <= now:
            raise ActionError(_("The expiry date must be in the future."))
        if expires_at > now + datetime.timedelta(days=TOKEN_MAX_DAYS):
            raise ActionError(_("A token can expire in 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS})
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name=name, expires_at=expires_at)
        _record(user, Event.TOKEN_ISSUED, actor=actor, channel=channel, note=name, token=token)
    _announce("API token %s issued for %s by %s", token.prefix, user.username, actor or "the system")
    return token, raw


def revoke_token(token: ApiToken, *, actor: User | None, channel: str) -> ApiToken:
    """Revoke one token. Someone else's token is not found (its existence is not told)."""
    if not _may_act_for(actor, token.user):
        raise NotFound(_("API token not found."))
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked=False).update(revoked=True)
        token.revoked = True
        if changed:
            _record(token.user, Event.TOKEN_REVOKED, actor=actor, channel=channel, token=token)
            _announce("API token %s of %s revoked by %s", token.prefix, token.user.username, actor or "the system")
    return token


def revoke_all_tokens(user: User, *, actor: User | None, channel: str, reason: str) -> int:
    """Revoke every token of `user` (e.g. when their password changes); the number revoked."""
    if not _may_act_for(actor, user):
        raise NotAllowed(_("You may only revoke your own API tokens."))
    with transaction.atomic():
        count = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
        if count:
            _record(user, Event.TOKENS_REVOKED, actor=actor, channel=channel, note=reason)
            _announce("%d API tokens of %s revoked by %s: %s", count, user.username, actor or "the system", reason)
    return count


def unlock_sign_in(user: User, *, actor: User | None, channel: str) -> int:
    """Lift a sign-in lock on `user`'s user name (its failures are forgotten); the failures cleared."""
    from axes.utils import reset

    if not (actor is None or actor.role == Role.ADMIN or actor.is_superuser):
        raise NotAllowed(_("Only administrators unlock sign-in."))
    with transaction.atomic():
        count = reset(username=user.username)
        _record(user, Event.SIGN_IN_UNLOCKED, actor=actor, channel=channel,
                note=_("%(count)d failed sign-ins cleared") % {"count": count})
    _announce("Sign-in of %s unlocked by %s (%d failures cleared)", user.username, actor or "the system", count)
    return count


def password_set(user: User, *, actor: User, channel: str) -> int:
    """After an administrator set `user`'s password (the admin's form saved it): the event in the trail
    (never the password), and the person's API tokens revoked — whoever knew the old password may have
    made one. The number of tokens revoked."""
    if not (actor.role == Role.ADMIN or actor.is_superuser):
        raise NotAllowed(_("Only administrators set another person's password."))
    with transaction.atomic():
        _record(user, Event.PASSWORD_SET, actor=actor, channel=channel)
        count = revoke_all_tokens(user, actor=actor, channel=channel, reason=_("Password set by an administrator."))
    _announce("Password of %s set by %s", user.username, actor.username)
    return count
