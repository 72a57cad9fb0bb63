"""Signing in through an identity provider: which account an external identity is (found by its stored
subject, the first time by a verified e-mail address, else made just in time), and the role and groups the
provider's claims give it.

Every write here is the system identity's, through the channel "sso", in the audit trail of the person
(IDENTITY.md §2, §7). The views call `sign_in` with what the provider said, already verified.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.actions import NAME_MAX, customer_username
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Group, Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError

from .models import ExternalIdentity, IdentityProvider

log = logging.getLogger(__name__)

CHANNEL = audit.Channel.SSO
# What a new account is made with (the audit trail's created row names these).
NEW_USER_FIELDS = ("username", "first_name", "last_name", "email", "role")
# Roles from the least to the most rights: several mapped claim values give the highest.
ROLE_RANK = [Role.CUSTOMER, Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN]


class Event(models.TextChoices):
    IDENTITY_LINKED = "sso_linked", gettext_lazy("external identity linked")
    SIGNED_IN = "sso_signed_in", gettext_lazy("signed in through single sign-on")


class SignInRefused(ActionError):
    status_code = 403


@dataclass
class Profile:
    """What a provider said about the person, after its signature or its API was checked."""

    subject: str
    email: str = ""
    email_verified: bool = False
    first_name: str = ""
    last_name: str = ""
    claims: dict = field(default_factory=dict)


def claim_values(claims: dict, name: str) -> list[str]:
    """A claim's values as strings; a dotted name reads a nested claim (Keycloak's "realm_access.roles")."""
    value = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(item) for item in value]
    return [str(value)]


def mapped_role(provider: IdentityProvider, claims: dict) -> str:
    roles = [provider.role_mapping[v] for v in claim_values(claims, provider.role_claim) if v in provider.role_mapping]
    return max(roles, key=ROLE_RANK.index) if roles else provider.default_role


def check_domain(provider: IdentityProvider, email: str) -> None:
    domains = provider.domains()
    if domains and email.rpartition("@")[2].lower() not in domains:
        raise SignInRefused(
            _("%(provider)s signs in people of %(domains)s only; your address is %(address)s.")
            % {"provider": provider.name, "domains": ", ".join(domains), "address": email or _("unknown")})


def _find_by_email(profile: Profile) -> User | None:
    if not (profile.email and profile.email_verified):
        return None
    found = list(User.objects.filter(email__iexact=profile.email)[:2])
    if len(found) > 1:
        raise SignInRefused(_("Several accounts have the address %(address)s: ask the service desk to link "
                              "yours.") % {"address": profile.email})
    return found[0] if found else None


def _create_user(provider: IdentityProvider, profile: Profile, actor: User) -> User:
    name = f"{profile.first_name} {profile.last_name}".strip()
    user = User(username=customer_username(profile.email, name or profile.subject),
                first_name=profile.first_name[:NAME_MAX], last_name=profile.last_name[:NAME_MAX],
                email=profile.email, role=mapped_role(provider, profile.claims))
    user.set_unusable_password()
    user.save()
    audit.record_created(user, actor=actor, channel=CHANNEL, fields=NEW_USER_FIELDS,
                         note=_("First sign-in through %(provider)s") % {"provider": provider.name})
    return user


def _follow_claims(provider: IdentityProvider, user: User, claims: dict, actor: User) -> None:
    """The role and the mapped groups as the provider's claims say now."""
    if provider.role_claim:
        role = mapped_role(provider, claims)
        if role != user.role:
            before = audit.snapshot(user, ["role", "is_staff", "is_superuser"])
            user.role = role
            if role != Role.ADMIN:  # save() raises these for administrators; one who is no longer loses them
                user.is_staff = user.is_superuser = False
            user.save(update_fields=["role", "is_staff", "is_superuser"])
            audit.record_change(user, before, actor=actor, channel=CHANNEL, note=provider.name)
    if provider.group_claim and provider.group_mapping:
        wanted = {provider.group_mapping[v] for v in claim_values(claims, provider.group_claim)
                  if v in provider.group_mapping}
        mine = set(user.member_of.values_list("name", flat=True))
        for group in Group.objects.filter(name__in=set(provider.group_mapping.values())):
            if (group.name in wanted) == (group.name in mine):
                continue
            before = audit.snapshot(group, ["members"])
            if group.name in wanted:
                group.members.add(user)
            else:
                group.members.remove(user)
            audit.record_change(group, before, actor=actor, channel=CHANNEL, note=provider.name)


def sign_in(provider: IdentityProvider, profile: Profile) -> User:
    """The account `profile` signs in as, made or updated as the provider says; SignInRefused (with a
    message for the person) when it may not sign in."""
    if not profile.subject:
        raise SignInRefused(_("%(provider)s did not say who you are.") % {"provider": provider.name})
    actor = system_user()
    with transaction.atomic():
        check_domain(provider, profile.email)
        identity = (ExternalIdentity.objects.select_related("user")
                    .filter(provider=provider, subject=profile.subject).first())
        if identity is not None:
            user = identity.user
        else:
            user = _find_by_email(profile)
            if user is None:
                if not provider.jit:
                    raise SignInRefused(_("There is no account for you at this desk: ask the service desk to "
                                          "make one."))
                user = _create_user(provider, profile, actor)
            if user.is_system_identity:
                raise SignInRefused(_("This account cannot sign in."))
            identity = ExternalIdentity.objects.create(user=user, provider=provider, subject=profile.subject,
                                                       email=profile.email)
            audit.record_event(user, Event.IDENTITY_LINKED, actor=actor, channel=CHANNEL,
                               note=f"{provider.name}: {profile.subject}")
        if user.is_system_identity:
            raise SignInRefused(_("This account cannot sign in."))
        if not user.is_active:
            raise SignInRefused(_("Your account at this desk is deactivated. Ask the service desk if you "
                                  "need it again."))
        _follow_claims(provider, user, profile.claims, actor)
        identity.last_sign_in = timezone.now()
        identity.save(update_fields=["last_sign_in"])
        audit.record_event(user, Event.SIGNED_IN, actor=actor, channel=CHANNEL, note=provider.name)
    transaction.on_commit(lambda: log.info("%s signed in through %s", user.username, provider.slug))
    return user


def export_person(user: User) -> list[dict]:
    """The person's external identities, for their personal-data export (servicedesk.people)."""
    return [{"provider": identity.provider.name, "subject": identity.subject, "email": identity.email,
             "linked": identity.created_at.isoformat(),
             "last_sign_in": identity.last_sign_in.isoformat() if identity.last_sign_in else None}
            for identity in ExternalIdentity.objects.filter(user=user).select_related("provider").order_by("id")]


def forget_person(user: User) -> None:
    """Erasure: the links to the person's identities at the providers go (a later sign-in is a new person)."""
    ExternalIdentity.objects.filter(user=user).delete()
