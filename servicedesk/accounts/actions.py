"""Changes to people: API tokens issued and revoked, sign-in unlocked, password set; preferences; new
customers; the default desk.

Each runs in one transaction, checks that the actor may act for the user (themselves, an administrator, or
the system identity: a command run on the server), records the change in the audit trail (core.audit, with
the channel it came through), and logs it once committed. Screens, the API, the admin and commands all
call these.
"""

from __future__ import annotations

import datetime
import logging
import re
import zoneinfo

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import audit, refdata
from servicedesk.core.errors import ActionError, NotAllowed, NotFound

from .identity import system_user
from .models import ApiToken, Desk, Organisation, Role, User

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
    DEACTIVATED = "deactivated", gettext_lazy("deactivated")
    REACTIVATED = "reactivated", gettext_lazy("reactivated")
    ERASED = "erased", gettext_lazy("personal data erased")


audit.register_events(Event.choices)


def _record(user: User, event: Event, *, actor: User, channel: str, note: str = "",
            token: ApiToken | None = None) -> None:
    if token is not None:  # which token, by the prefix its owner sees in the list, and its name
        note = f"{token.prefix}… {note}".strip()
    audit.record_event(user, event, actor=actor, channel=channel, note=note)


def _may_act_for(actor: User, user: User) -> bool:
    return actor.is_system_identity or actor.pk == user.pk or actor.role == Role.ADMIN or actor.is_superuser


def _announce(message: str, *args) -> None:
    transaction.on_commit(lambda: log.info(message, *args))


def expiry_in_days(days: int) -> datetime.datetime:
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ActionError(_("A token can expire in 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS})
    return timezone.now() + datetime.timedelta(days=days)


def issue_token(user: User, *, name: str = "", expires_at: datetime.datetime | None = None,
                actor: User, channel: str) -> tuple[ApiToken, str]:
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


def revoke_token(token: ApiToken, *, actor: User, channel: str) -> ApiToken:
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


def revoke_all_tokens(user: User, *, actor: User, channel: str, reason: str) -> int:
    """Revoke every token of `user` (e.g. when their password changes); the number revoked."""
    if not _may_act_for(actor, user):
        raise NotAllowed(_("You may only revoke your own API tokens."))
    with transaction.atomic():
        count = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
        if count:
            _record(user, Event.TOKENS_REVOKED, actor=actor, channel=channel, note=reason)
            _announce("%d API tokens of %s revoked by %s: %s", count, user.username, actor or "the system", reason)
    return count


def unlock_sign_in(user: User, *, actor: User, channel: str) -> int:
    """Lift a sign-in lock on `user`'s user name (its failures are forgotten); the failures cleared. Who
    may: whoever manages the person (servicedesk/people/permissions.py)."""
    from axes.utils import reset

    if not _may_manage(actor, user):
        raise NotAllowed(_("You may not unlock %(user)s.") % {"user": user.username})
    with transaction.atomic():
        count = reset(username=user.username)
        _record(user, Event.SIGN_IN_UNLOCKED, actor=actor, channel=channel,
                note=_("%(count)d failed sign-ins cleared") % {"count": count})
    _announce("Sign-in of %s unlocked by %s (%d failures cleared)", user.username, actor or "the system", count)
    return count


# ---------------------------------------------------------------------------------------------
# Preferences

# Left out of a call: leave as it is (None or "" clear a preference).
UNCHANGED = object()
NAME_MAX = User._meta.get_field("first_name").max_length


def check_language(value: str | None) -> str:
    """A language the desk offers, or "" (none chosen). The preferences form validates with it too."""
    if value and value not in dict(settings.LANGUAGES):
        raise ActionError(_("Unknown language: %(l)s") % {"l": value})
    return value or ""


def check_time_zone(value: str | None) -> str:
    if value and value not in zoneinfo.available_timezones():
        raise ActionError(_("Unknown time zone: %(name)s") % {"name": value})
    return value or ""


def set_preferences(user: User, *, actor: User, channel: str, language=UNCHANGED, time_zone=UNCHANGED,
                    first_name=UNCHANGED, last_name=UNCHANGED) -> User:
    """Change a person's language, time zone and name as they are called (the preferences page, the
    language switch, PATCH /me). An empty language or time zone clears it: the desk's then applies."""
    if actor.pk != user.pk and not (actor.role == Role.ADMIN or actor.is_superuser):
        raise NotAllowed(_("You may only change your own preferences."))
    changes = {}
    if language is not UNCHANGED:
        changes["language"] = check_language(language)
    if time_zone is not UNCHANGED:
        changes["time_zone"] = check_time_zone(time_zone)
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if value is not UNCHANGED:
            value = (value or "").strip()
            if len(value) > NAME_MAX:
                raise ActionError(_("A name can be at most %(max)d characters.") % {"max": NAME_MAX})
            changes[name] = value
    if not changes:
        return user
    with transaction.atomic():
        before = audit.snapshot(user, changes)
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
        if audit.record_change(user, before, actor=actor, channel=channel):
            _announce("Preferences of %s changed by %s: %s", user.username, actor.username,
                      ", ".join(f"{name}={value}" for name, value in changes.items()))
    return user


# ---------------------------------------------------------------------------------------------
# Customers

USERNAME_MAX = 140  # of the field's 150: room for the "-2" that makes it unique
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def customer_username(email: str, name: str = "") -> str:
    """A free user name for a new customer: their address ("zhou.jie@example.com", characters a user
    name may not hold replaced by "-"), else their name ("王五", "grace-hopper"), else "customer";
    "-2", "-3"… after it when taken, whatever the case."""
    base = _USERNAME_UNSAFE.sub("-", (email or "").strip())[:USERNAME_MAX].strip("-")
    if not base:
        base = slugify(name or "", allow_unicode=True)[:USERNAME_MAX] or "customer"
    taken = {u.lower() for u in User.objects.filter(username__istartswith=base).values_list("username", flat=True)}
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


# What a new customer is made with (the audit trail's created row names these).
CUSTOMER_FIELDS = ("username", "first_name", "email", "phone", "organisation", "language", "role")


def check_email(value: str | None) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ActionError(_("%(address)s is not an e-mail address.") % {"address": value}) from None
    return value


def create_customer(*, name: str, email: str = "", phone: str = "", organisation: Organisation | None = None,
                    language: str = "", actor: User, channel: str) -> User:
    """A new customer without a password (the quick log's new caller, the sender of a first mail), named
    by customer_username. A known address is refused: one address, one person."""
    if not actor.is_desk_staff:
        raise NotAllowed(_("Only desk staff may add customers."))
    email = (email or "").strip()
    with transaction.atomic():
        if email and User.objects.filter(email__iexact=email).exists():
            raise ActionError(_("Someone with the address %(address)s is already known.") % {"address": email})
        customer = User(username=customer_username(email, name), first_name=(name or "").strip()[:NAME_MAX],
                        email=email, phone=(phone or "").strip(), organisation=organisation,
                        language=language or "", role=Role.CUSTOMER)
        customer.set_unusable_password()
        customer.save()
        audit.record_created(customer, actor=actor, channel=channel, fields=CUSTOMER_FIELDS)
    _announce("Customer %s created by %s (%s)", customer.username, actor.username, channel)
    return customer


def _find_default_desk() -> Desk | None:
    return Desk.objects.filter(is_default=True).first() or Desk.objects.order_by("id").first()


def default_desk() -> Desk:
    """The desk a ticket is recorded at when none is named: the one marked default, else the first; on a
    desk with none yet (a fresh install's first ticket), one is made, recorded as the system's."""
    # Read once per reference-data version (desks are reference data: core.refdata), not per ticket.
    desk = refdata.cached("default-desk", _find_default_desk, fresh=True)
    if desk is None:
        with transaction.atomic():
            desk = Desk.objects.create(name="Service Desk", prefix="SD", is_default=True)
            audit.record_created(desk, actor=system_user(), channel=audit.Channel.SYSTEM)
    return desk


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


# ---------------------------------------------------------------------------------------------
# Deactivation


def _may_manage(actor: User, user: User) -> bool:
    # The rule of who manages whom is the people app's (servicedesk/people/permissions.py): there it is
    # stated once for these checks and for the lists of people.
    from servicedesk.people.permissions import may_manage

    return may_manage(actor, user)


def end_sessions(user: User) -> int:
    """Sign `user` out everywhere: each of their stored sessions deleted (through the session engine, so a
    cached copy goes too); the number ended. Sessions are not indexed by person: the live ones are read."""
    from importlib import import_module

    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def deactivate_user(user: User, *, actor: User, channel: str, reason: str = "") -> User:
    """Take `user`'s access away: not active (no sign-in, no mail to them as a person), their API tokens
    revoked and their sessions ended; their tickets and history stay as they are.

    Who may: administrators and the system identity (directory sync) anyone but the system identity;
    desk managers customers, agents and leads; group leads customers and the agents of their groups;
    agents customers (servicedesk/people/permissions.py). Nobody deactivates themselves."""
    if not _may_manage(actor, user):
        raise NotAllowed(_("You may not deactivate %(user)s.") % {"user": user.username})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            user.is_active = False
            return user
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        tokens = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
        sessions = end_sessions(user)
        ended = _("%(tokens)d API tokens revoked, %(sessions)d sessions ended") % {"tokens": tokens,
                                                                                  "sessions": sessions}
        _record(user, Event.DEACTIVATED, actor=actor, channel=channel,
                note="; ".join(part for part in (reason.strip(), ended) if part))
    _announce("%s deactivated by %s (%s): %s", user.username, actor.username, channel, reason)
    return user


def reactivate_user(user: User, *, actor: User, channel: str, reason: str = "") -> User:
    """Give a deactivated person their access back (their revoked API tokens stay revoked). Who may: as
    for deactivate_user."""
    if not _may_manage(actor, user):
        raise NotAllowed(_("You may not reactivate %(user)s.") % {"user": user.username})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            user.is_active = True
            return user
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        _record(user, Event.REACTIVATED, actor=actor, channel=channel, note=reason.strip())
    _announce("%s reactivated by %s (%s): %s", user.username, actor.username, channel, reason)
    return user


# ---------------------------------------------------------------------------------------------
# People managed by the desk (servicedesk/people)

# What the desk's people screen and API edit of a person.
DETAIL_FIELDS = ("first_name", "last_name", "email", "phone", "organisation", "language", "time_zone")
PHONE_MAX = User._meta.get_field("phone").max_length


def update_person(user: User, *, actor: User, channel: str, **changes) -> User:
    """Change a person's details (DETAIL_FIELDS; a field left out stays as it is). Who may: whoever
    manages the person. One address, one person: a known address is refused."""
    if not _may_manage(actor, user):
        raise NotAllowed(_("You may not change %(user)s.") % {"user": user.username})
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not a person's detail: {sorted(unknown)}")
    for name in ("first_name", "last_name"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
            if len(changes[name]) > NAME_MAX:
                raise ActionError(_("A name can be at most %(max)d characters.") % {"max": NAME_MAX})
    # Clearing the name a person has leaves only their user name to tell them by (a person made without
    # one, from a bare mail address, may still have their other details changed).
    named = (changes.get("first_name", user.first_name), changes.get("last_name", user.last_name))
    if (user.first_name or user.last_name) and not any(named):
        raise ActionError(_("A person needs a name."))
    if "phone" in changes:
        changes["phone"] = (changes["phone"] or "").strip()
        if len(changes["phone"]) > PHONE_MAX:
            raise ActionError(_("A phone number can be at most %(max)d characters.") % {"max": PHONE_MAX})
    if "language" in changes:
        changes["language"] = check_language(changes["language"])
    if "time_zone" in changes:
        changes["time_zone"] = check_time_zone(changes["time_zone"])
    with transaction.atomic():
        if "email" in changes:
            changes["email"] = check_email(changes["email"])
            if changes["email"] and User.objects.filter(email__iexact=changes["email"]).exclude(pk=user.pk).exists():
                raise ActionError(_("Someone with the address %(address)s is already known.")
                                  % {"address": changes["email"]})
        before = audit.snapshot(user, changes)
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
        if audit.record_change(user, before, actor=actor, channel=channel):
            _announce("Details of %s changed by %s (%s)", user.username, actor.username, channel)
    return user


def erase_account(user: User, *, placeholder: str, actor: User, channel: str) -> User:
    """The account's own part of erasing a person (servicedesk/people/actions.erase_person, which checks
    who may and erases the rest first): the row is kept — tickets, comments and figures point at it — with
    nothing left that names the person: `placeholder` as its name, no address, phone or password, no
    manager, not active. The audit row says it was erased, not what was there."""
    with transaction.atomic():
        user.username = f"erased-{user.pk}"
        user.first_name, user.last_name = placeholder[:NAME_MAX], ""
        user.email = user.phone = ""
        user.manager = None
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["username", "first_name", "last_name", "email", "phone", "manager", "is_active",
                                 "password"])
        ApiToken.objects.filter(user=user).delete()
        end_sessions(user)
        _record(user, Event.ERASED, actor=actor, channel=channel)
    _announce("Personal data of user %s erased by %s (%s)", user.pk, actor.username, channel)
    return user
