"""The desk's accounts of the directory's people: made at a person's first sign-in (just in time), kept up
to date by each sign-in and by the scheduled sync, deactivated when the directory disables or removes the
person and reactivated when they are back.

Every change is made as the desk's system identity through the channel "directory", and recorded in the
audit trail: a new account with its fields, each changed field, resolver groups joined or left. Deactivation
goes through accounts.actions (tickets kept, tokens and sessions revoked).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.actions import deactivate_user, reactivate_user
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Group, Organisation, Role, User, system_usernames
from servicedesk.core import audit
from servicedesk.core.errors import ActionError

from . import config as directory_config
from .client import Directory, DirectoryUnavailable, Person
from .models import DirectoryLink, SyncRun

log = logging.getLogger(__name__)

CHANNEL = "directory"
# The account's fields the directory decides (role and the staff flags only with a role mapping).
PERSON_FIELDS = ["first_name", "last_name", "email", "phone", "department", "organisation"]
ROLE_FIELDS = ["role", "is_staff", "is_superuser"]


class Event(models.TextChoices):
    GROUPS_SET = "directory_groups", gettext_lazy("resolver groups set from the directory")


audit.register_events(Event.choices)


class Outcome(models.TextChoices):
    """What a sync did to one person's account (SyncRun counts each)."""

    CREATED = "created"
    UPDATED = "updated"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    UNCHANGED = "unchanged"


def _fit(model_field: str, value: str) -> str:
    return value[:User._meta.get_field(model_field).max_length]


@dataclass
class _Known:
    """The linked accounts and organisations, read once per sync (or per sign-in)."""

    by_guid: dict[str, DirectoryLink] = field(default_factory=dict)
    by_dn: dict[str, DirectoryLink] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    resolver_groups: dict[str, Group] = field(default_factory=dict)  # the mapped ones, by name

    @classmethod
    def load(cls, links: models.QuerySet[DirectoryLink], config: directory_config.DirectoryConfig) -> _Known:
        known = cls()
        # The account's organisation is part of its snapshot, and its groups of the comparison: read with it.
        for link in links.select_related("user__organisation").prefetch_related("user__member_of"):
            known.remember(link)
        known.organisations = {org.name: org for org in Organisation.objects.all()}
        known.resolver_groups = {group.name: group for group in Group.objects.filter(
            name__in=set(config.resolver_groups.values()))}
        return known

    def remember(self, link: DirectoryLink) -> None:
        if link.guid:
            self.by_guid[link.guid] = link
        self.by_dn[link.dn.lower()] = link

    def link_of(self, person: Person) -> DirectoryLink | None:
        return (self.by_guid.get(person.guid) if person.guid else None) or self.by_dn.get(person.dn.lower())

    def organisation(self, name: str, actor: User) -> Organisation | None:
        if not name:
            return None
        organisation = self.organisations.get(name)
        if organisation is None:
            organisation = Organisation.objects.create(name=_fit_organisation(name))
            audit.record_created(organisation, actor=actor, channel=CHANNEL)
            self.organisations[name] = organisation
        return organisation


def _fit_organisation(name: str) -> str:
    return name[:Organisation._meta.get_field("name").max_length]


def _apply_fields(user: User, person: Person, config: directory_config.DirectoryConfig, known: _Known,
                  actor: User) -> None:
    values = person.values
    first, last = values.get("first_name", ""), values.get("last_name", "")
    if not first and not last:  # a directory with only a display name (张伟, "Grace Hopper")
        last = values.get("display_name", "")
    user.first_name, user.last_name = _fit("first_name", first), _fit("last_name", last)
    user.email = _fit("email", values.get("email", ""))
    user.phone = _fit("phone", values.get("phone", ""))
    user.department = _fit("department", values.get("department", ""))
    if config.attribute("organisation"):
        user.organisation = known.organisation(values.get("organisation", ""), actor)
    if config.role_groups:
        user.role = config.role_for(person.groups)
        # The directory took administration away: so does the desk (User.save only ever grants it).
        user.is_staff = user.is_superuser = user.role == Role.ADMIN


def _set_manager(user: User, person: Person, known: _Known, actor: User) -> bool:
    """The person's manager, when the directory names one the desk knows; whether it changed."""
    manager_link = known.by_dn.get(person.manager_dn.lower()) if person.manager_dn else None
    manager_id = manager_link.user_id if manager_link is not None else None
    if manager_id == user.manager_id or manager_id == user.pk:
        return False
    before = audit.snapshot(user, ["manager"])
    user.manager_id = manager_id
    user.save(update_fields=["manager"])
    audit.record_change(user, before, actor=actor, channel=CHANNEL)
    return True


def _set_groups(user: User, person: Person, config: directory_config.DirectoryConfig, known: _Known, actor: User,
                created: bool) -> bool:
    """Membership of the resolver groups the mapping names, as the person's directory groups say; whether it
    changed. Groups the mapping does not name are the desk's to manage."""
    if not known.resolver_groups:
        return False
    wanted = {config.resolver_groups[name] for name in person.groups if name in config.resolver_groups}
    wanted &= set(known.resolver_groups)  # a mapped group the desk does not have is no membership
    current = set() if created else {group.name for group in user.member_of.all()} & set(known.resolver_groups)
    if wanted == current:
        return False
    user.member_of.add(*(known.resolver_groups[name] for name in wanted - current))
    user.member_of.remove(*(known.resolver_groups[name] for name in current - wanted))
    audit.record_event(user, Event.GROUPS_SET, actor=actor, channel=CHANNEL,
                       changes={"groups": (", ".join(sorted(current)), ", ".join(sorted(wanted)))})
    return True


def _create(person: Person, config: directory_config.DirectoryConfig, known: _Known, actor: User) -> User | None:
    if person.username in system_usernames() or User.objects.filter(username=person.username).exists():
        raise ActionError(_("The user name %(name)s belongs to a desk account that does not come from the "
                            "directory.") % {"name": person.username})
    user = User(username=_fit("username", person.username))
    _apply_fields(user, person, config, known, actor)
    user.set_unusable_password()  # the directory checks the password, never the desk
    user.save()
    audit.record_created(user, actor=actor, channel=CHANNEL, fields=["username", *PERSON_FIELDS, *ROLE_FIELDS],
                         note=person.dn)
    link = DirectoryLink.objects.create(user=user, dn=person.dn, guid=person.guid, synced_at=timezone.now())
    known.remember(link)
    return user


def _update(link: DirectoryLink, person: Person, config: directory_config.DirectoryConfig, known: _Known,
            actor: User) -> bool:
    user = link.user
    before = audit.snapshot(user, PERSON_FIELDS + ROLE_FIELDS)
    _apply_fields(user, person, config, known, actor)
    changed = bool(audit.diff(before, audit.snapshot(user, before.keys())))
    if changed:
        user.save(update_fields=[*PERSON_FIELDS, *ROLE_FIELDS])
        audit.record_change(user, before, actor=actor, channel=CHANNEL)
    if (link.dn, link.guid) != (person.dn, person.guid or link.guid):
        known.by_dn.pop(link.dn.lower(), None)
        link.dn, link.guid = person.dn, person.guid or link.guid
        known.remember(link)
    link.synced_at = timezone.now()
    link.save(update_fields=["dn", "guid", "synced_at"])
    return changed


def _deactivate(link: DirectoryLink, actor: User, reason: str) -> bool:
    if not link.user.is_active:
        return False
    deactivate_user(link.user, actor=actor, channel=CHANNEL, reason=reason)
    link.deactivated_by_directory = True
    link.save(update_fields=["deactivated_by_directory"])
    return True


def _reactivate(link: DirectoryLink, actor: User) -> bool:
    if link.user.is_active or not link.deactivated_by_directory:
        return False
    reactivate_user(link.user, actor=actor, channel=CHANNEL, reason=_("enabled in the directory again"))
    link.user.refresh_from_db(fields=["is_active"])
    link.deactivated_by_directory = False
    link.save(update_fields=["deactivated_by_directory"])
    return True


def _bring_in(person: Person, config: directory_config.DirectoryConfig, known: _Known, actor: User) -> tuple[
        User | None, str | None]:
    """Create, update, deactivate or reactivate one person's account, in the caller's transaction."""
    link = known.link_of(person)
    if person.disabled:
        if link is None:  # nobody the desk knows: nothing to do
            return None, None
        if _deactivate(link, actor, _("disabled in the directory")):
            return link.user, Outcome.DEACTIVATED
        return link.user, Outcome.UNCHANGED
    if link is None:
        user = _create(person, config, known, actor)
        _set_groups(user, person, config, known, actor, created=True)
        return user, Outcome.CREATED
    changed = _update(link, person, config, known, actor)
    changed = _set_groups(link.user, person, config, known, actor, created=False) or changed
    if _reactivate(link, actor):
        return link.user, Outcome.REACTIVATED
    return link.user, Outcome.UPDATED if changed else Outcome.UNCHANGED


def _links_of(person: Person) -> models.Q:
    """The links a sign-in may need: the person's own (by DN or directory id) and their manager's."""
    wanted = models.Q(dn__iexact=person.dn)
    if person.guid:
        wanted |= models.Q(guid=person.guid)
    if person.manager_dn:
        wanted |= models.Q(dn__iexact=person.manager_dn)
    return wanted


def sign_in(person: Person) -> User | None:
    """The account of a person the directory just let in (their password checked): made at the first sign-in,
    brought up to date at each. None when the desk may not let them in (disabled, a name taken)."""
    config = directory_config.load()
    actor = system_user()
    try:
        with transaction.atomic():
            known = _Known.load(DirectoryLink.objects.filter(_links_of(person)), config)
            user, outcome = _bring_in(person, config, known, actor)
            if user is not None:
                _set_manager(user, person, known, actor)
    except ActionError as exc:
        log.warning("Directory sign-in of %s refused: %s", person.username, exc.message)
        return None
    if user is None or not user.is_active:
        return None
    log.info("Directory sign-in of %s (%s)", user.username, outcome)
    return user


def sync(*, progress: Callable[[int, int], None] | None = None) -> SyncRun:
    """Read every person of the directory and bring the desk's accounts in line; a person the directory no
    longer has (or has disabled) is deactivated. Safe to run again: a second run finds everything unchanged.
    A directory that cannot be read changes nothing; nor does one that finds nobody (a wrong base or filter
    would otherwise deactivate everyone)."""
    try:
        config = directory_config.load()
    except ValueError as exc:
        raise ActionError(str(exc)) from None
    if config is None:
        raise ActionError(_("No directory is configured (SERVICEDESK_LDAP_URI is not set)."))
    actor = system_user()
    run = SyncRun.objects.create()
    errors: list[str] = []
    try:
        with Directory(config) as directory:
            groups = directory.members_by_group()
            people = list(directory.people())
    except DirectoryUnavailable as exc:
        return _finish(run, [_("The directory could not be read: %(error)s") % {"error": exc}], succeeded=False)
    known = _Known.load(DirectoryLink.objects.all(), config)
    counts = dict.fromkeys(Outcome.values, 0)
    seen: set[int] = set()
    processed: list[tuple[User, Person, str]] = []  # their managers, once everyone has an account
    for done, person in enumerate(people, start=1):
        person.groups = groups.get(person.dn.lower(), set())
        try:
            with transaction.atomic():
                user, outcome = _bring_in(person, config, known, actor)
        except ActionError as exc:
            errors.append(f"{person.dn}: {exc.message}")
            link = known.link_of(person)  # still in the directory: not to be deactivated for it
            user, outcome = (link.user if link else None), None
        if user is not None:
            seen.add(user.pk)
            if outcome is not None:
                processed.append((user, person, outcome))
        if outcome is not None:
            counts[outcome] += 1
        if progress is not None:
            progress(done, len(people))
    for user, person, outcome in processed:
        with transaction.atomic():
            if _set_manager(user, person, known, actor) and outcome == Outcome.UNCHANGED:
                counts[Outcome.UNCHANGED] -= 1
                counts[Outcome.UPDATED] += 1
    if people:
        for link in known.by_dn.values():
            if link.user_id not in seen:
                with transaction.atomic():
                    if _deactivate(link, actor, _("no longer in the directory")):
                        counts[Outcome.DEACTIVATED] += 1
    else:
        errors.append(_("The directory found nobody under the user base: nobody was deactivated."))
    for outcome, count in counts.items():
        setattr(run, outcome, count)
    return _finish(run, errors, succeeded=True)


def _finish(run: SyncRun, errors: list[str], *, succeeded: bool) -> SyncRun:
    run.errors = "\n".join(errors)
    run.succeeded = succeeded
    run.finished_at = timezone.now()
    run.save()
    if not succeeded:
        log.warning("Directory sync failed: %s", run.errors)
    return run


def export_person(user: User) -> dict:
    """What the directory link holds about a person, for their personal-data export."""
    link = DirectoryLink.objects.filter(user=user).first()
    if link is None:
        return {}
    return {"dn": link.dn, "directory_id": link.guid, "deactivated_by_directory": link.deactivated_by_directory,
            "synced_at": link.synced_at.isoformat() if link.synced_at else None}


def forget_person(user: User) -> None:
    """A person's erasure: their directory link goes (a person still in the directory comes back at the next
    sync or sign-in, as a new account: the directory, not the desk, is where they are removed)."""
    DirectoryLink.objects.filter(user=user).delete()
