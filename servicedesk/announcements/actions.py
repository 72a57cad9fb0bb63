"""Every change to service notices, one function each (docs/architecture.md's shape): each runs in one
transaction, locks the notice, checks who may (announcements.visibility) and the version the caller loaded,
writes, records the audit trail (core.audit) and announces `announcement_changed` after commit. Mail leaves
through notify's outbox after commit (announcements.tasks): the affected customers when a writer asks
(`notify_affected`, once per version), subscribers whenever the notice is updated or ends."""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import Organisation, Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Service, Ticket

from . import visibility
from .models import Announcement, Kind, Phase, Subscription, TicketAnnouncement

log = logging.getLogger(__name__)

# Sent after commit: announcement (as saved), actor, event ("created", "updated", "ended", "deleted",
# "emailed", "subscribed", "unsubscribed", "ticket_linked", "ticket_unlinked").
announcement_changed = Signal()

MAX_TITLE = 200
MAX_BODY = 20_000
FIRST_YEAR, LAST_YEAR = 2000, 2100

audit.register_events([
    ("ended", gettext_lazy("ended")),
    ("emailed", gettext_lazy("e-mailed to the affected customers")),
    ("subscribed", gettext_lazy("subscribed")),
    ("unsubscribed", gettext_lazy("unsubscribed")),
    ("ticket_linked", gettext_lazy("ticket linked")),
    ("ticket_unlinked", gettext_lazy("ticket unlinked")),
])

_UNSET = ...


@dataclasses.dataclass
class AnnouncementInput:
    """The fields a caller sets; None (ends_at: ...) leaves a field as it is (on create: its default)."""

    kind: str | None = None
    title: str | None = None
    title_zh: str | None = None
    body: str | None = None
    body_zh: str | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None | type(...) = _UNSET
    services: list[Service] | None = None
    organisations: list[Organisation] | None = None
    public: bool | None = None


def _announce(announcement: Announcement, actor: User, event: str) -> None:
    def send() -> None:
        log.info("Announcement %s %s by %s", announcement.pk, event, actor.username)
        announcement_changed.send(sender=Announcement, announcement=announcement, actor=actor, event=event)

    transaction.on_commit(send)


def _mail(announcement: Announcement, user_ids: list[int], reason: str) -> None:
    """Hand the mail to notify's outbox after commit (nothing is sent for a change that rolled back). Keyed by
    the version: one mail per person and version, however often it is planned."""
    from .tasks import mail_announcement

    if not user_ids:
        return
    key = f"announcement:{announcement.pk}:v{announcement.version}"
    transaction.on_commit(lambda: mail_announcement.delay(announcement.pk, sorted(user_ids), key, reason))


def _subscribers(announcement: Announcement) -> list[int]:
    return list(Subscription.objects.filter(announcement=announcement, user__is_active=True)
                .values_list("user_id", flat=True))


def lock_announcement(announcement: Announcement | int, actor: User, expected_version: int | None = None,
                      *, check=visibility.may_write, refusal: str = "") -> Announcement:
    if not check(actor):
        raise NotAllowed(refusal or _("Only group leads, desk managers and administrators may change "
                                      "announcements."))
    pk = announcement.pk if isinstance(announcement, Announcement) else announcement
    found = Announcement.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such announcement."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this announcement since you loaded it (now version %(v)s); "
                         "reload it and make your change again.") % {"v": found.version})
    return found


def _clean_text(value: str, limit: int, message: str) -> str:
    if len(value) > limit:
        raise ActionError(message % {"n": limit})
    return value


def _apply(announcement: Announcement, data: AnnouncementInput) -> None:
    if data.kind is not None:
        if data.kind not in Kind.values:
            raise ActionError(_("Unknown kind of announcement: %(v)s") % {"v": data.kind})
        announcement.kind = data.kind
    too_long = _("The title is too long (at most %(n)s characters).")
    if data.title is not None:
        title = " ".join(data.title.split())
        if not title:
            raise ActionError(_("An announcement needs a title."))
        announcement.title = _clean_text(title, MAX_TITLE, too_long)
    if data.title_zh is not None:
        announcement.title_zh = _clean_text(" ".join(data.title_zh.split()), MAX_TITLE, too_long)
    too_long = _("The text is too long (at most %(n)s characters).")
    if data.body is not None:
        announcement.body = _clean_text(data.body.strip(), MAX_BODY, too_long)
    if data.body_zh is not None:
        announcement.body_zh = _clean_text(data.body_zh.strip(), MAX_BODY, too_long)
    for moment in (data.starts_at, None if data.ends_at is _UNSET else data.ends_at):
        # Far years would overflow on the way to UTC (a 500); no notice is planned centuries ahead.
        if moment is not None and not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ActionError(_("Times must lie between the years %(first)s and %(last)s.")
                              % {"first": FIRST_YEAR, "last": LAST_YEAR})
    if data.starts_at is not None:
        announcement.starts_at = data.starts_at
    if data.ends_at is not _UNSET and data.ends_at != announcement.ends_at:
        announcement.ends_at = data.ends_at
        announcement.resolved_early = False  # a new end is a plan again, not the early one "end now" made
    if data.public is not None:
        announcement.public = bool(data.public)
    if announcement.ends_at is not None and announcement.ends_at <= announcement.starts_at:
        raise ActionError(_("The end must be after the start."))


def _names(objects) -> str:
    return ", ".join(sorted(str(o) for o in objects))


def _set_relations(announcement: Announcement, data: AnnouncementInput, *, actor: User, channel: str,
                   created: bool) -> bool:
    """Set the services and organisations the caller gave; returns whether either changed."""
    changes = {}
    for name, given in (("services", data.services), ("organisations", data.organisations)):
        if given is None:
            continue
        manager = getattr(announcement, name)
        before = [] if created else list(manager.all())
        if {o.pk for o in before} != {o.pk for o in given}:
            manager.set(given)
            changes[name] = (_names(before), _names(given))
    if changes and not created:
        audit.record_event(announcement, "changed", actor=actor, channel=channel, changes=changes)
    return bool(changes)


@transaction.atomic
def create_announcement(data: AnnouncementInput, *, actor: User, channel: str) -> Announcement:
    """A new notice, starting now unless `data.starts_at` says when."""
    if not visibility.may_write(actor):
        raise NotAllowed(_("Only group leads, desk managers and administrators may write announcements."))
    if not data.title or not data.title.strip():
        raise ActionError(_("An announcement needs a title."))
    now = timezone.now()
    announcement = Announcement(created_by=actor, created_at=now, updated_at=now, starts_at=data.starts_at or now)
    _apply(announcement, data)
    announcement.save()
    _set_relations(announcement, data, actor=actor, channel=channel, created=True)
    audit.record_created(announcement, actor=actor, channel=channel, fields=[
        "kind", "title", "title_zh", "starts_at", "ends_at", "public", "services", "organisations"])
    _announce(announcement, actor, "created")
    return announcement


def _save(announcement: Announcement, fields: list[str]) -> None:
    announcement.version += 1
    announcement.updated_at = timezone.now()
    announcement.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def update_announcement(announcement: Announcement | int, data: AnnouncementInput, *, actor: User, channel: str,
                        expected_version: int | None = None) -> Announcement:
    """Change a notice; its subscribers are told of the new version (nothing is sent when nothing changed)."""
    announcement = lock_announcement(announcement, actor, expected_version)
    before = audit.snapshot(announcement, ["kind", "title", "title_zh", "body", "body_zh", "starts_at",
                                           "ends_at", "public"])
    _apply(announcement, data)
    relations = _set_relations(announcement, data, actor=actor, channel=channel, created=False)
    changes = audit.diff(before, audit.snapshot(announcement, before.keys()))
    if not changes and not relations:
        return announcement
    _save(announcement, ["kind", "title", "title_zh", "body", "body_zh", "starts_at", "ends_at", "resolved_early",
                         "public"])
    audit.record_change(announcement, before, actor=actor, channel=channel)
    _mail(announcement, _subscribers(announcement), "updated")
    _announce(announcement, actor, "updated")
    return announcement


@transaction.atomic
def end_announcement(announcement: Announcement | int, *, actor: User, channel: str,
                     expected_version: int | None = None) -> Announcement:
    """End the notice now (resolved early when it was to last longer); subscribers are told."""
    announcement = lock_announcement(announcement, actor, expected_version)
    now = timezone.now()
    if announcement.phase(now) == Phase.ENDED:
        raise ActionError(_("This announcement has ended already."))
    before = audit.snapshot(announcement, ["starts_at", "ends_at", "resolved_early"])
    announcement.resolved_early = announcement.ends_at is None or announcement.ends_at > now
    announcement.ends_at = now
    if announcement.starts_at > now:  # a planned change called off before it began
        announcement.starts_at = now
    _save(announcement, ["starts_at", "ends_at", "resolved_early"])
    audit.record_event(announcement, "ended", actor=actor, channel=channel,
                       changes=audit.diff(before, audit.snapshot(announcement, before.keys())))
    _mail(announcement, _subscribers(announcement), "ended")
    _announce(announcement, actor, "ended")
    return announcement


@transaction.atomic
def delete_announcement(announcement: Announcement | int, *, actor: User, channel: str,
                        expected_version: int | None = None) -> None:
    announcement = lock_announcement(announcement, actor, expected_version, check=visibility.may_delete,
                                     refusal=_("Only desk managers and administrators may delete announcements."))
    audit.record_deleted(announcement, actor=actor, channel=channel)
    pk = announcement.pk
    announcement.delete()
    announcement.pk = pk
    _announce(announcement, actor, "deleted")


def affected_customers(announcement: Announcement) -> list[int]:
    """The active customers with an address that the notice affects (its organisations', else all)."""
    customers = User.objects.filter(role=Role.CUSTOMER, is_active=True).exclude(email="")
    organisations = list(announcement.organisations.values_list("pk", flat=True))
    if organisations:
        customers = customers.filter(organisation_id__in=organisations)
    return list(customers.values_list("pk", flat=True))


@transaction.atomic
def notify_affected(announcement: Announcement | int, *, actor: User, channel: str,
                    expected_version: int | None = None, resend: bool = False) -> int:
    """E-mail the notice to the customers it affects, each in their language, once. Sending it again takes
    `resend` and a change since the last e-mail. Returns how many customers are written to."""
    announcement = lock_announcement(announcement, actor, expected_version)
    if announcement.phase() == Phase.ENDED:
        raise ActionError(_("This announcement has ended; it is not sent any more."))
    if announcement.email_version is not None:
        if not resend:
            raise ActionError(_("The affected customers have been told of this announcement already; to tell "
                                "them of a change, send it again."))
        if announcement.email_version == announcement.version:
            raise ActionError(_("Nothing has changed since the affected customers were told; it is not sent "
                                "again."))
    recipients = affected_customers(announcement)
    before = audit.snapshot(announcement, ["email_sent_at"])
    announcement.email_sent_at, announcement.email_version = timezone.now(), announcement.version
    announcement.save(update_fields=["email_sent_at", "email_version"])
    audit.record_event(announcement, "emailed", actor=actor, channel=channel,
                       note=_("%(n)s customers") % {"n": len(recipients)},
                       changes=audit.diff(before, audit.snapshot(announcement, before.keys())))
    _mail(announcement, recipients, "updated" if resend else "new")
    _announce(announcement, actor, "emailed")
    return len(recipients)


def _readable_notice(announcement: Announcement | int, actor: User) -> Announcement:
    pk = announcement.pk if isinstance(announcement, Announcement) else announcement
    found = visibility.readable(actor, Announcement.objects.select_for_update().filter(pk=pk)).first()
    if found is None:
        raise NotFound(_("No such announcement."))
    return found


@transaction.atomic
def subscribe(announcement: Announcement | int, *, actor: User, channel: str) -> Subscription:
    """A customer asks to be told when the notice is updated or ends (instead of filing a ticket)."""
    announcement = _readable_notice(announcement, actor)
    if not actor.is_customer:
        raise NotAllowed(_("Only customers subscribe to announcements."))
    if not visibility.affecting(actor, Announcement.objects.filter(pk=announcement.pk)).exists():
        raise NotAllowed(_("This announcement does not concern your organisation."))
    if announcement.phase() == Phase.ENDED:
        raise ActionError(_("This announcement has ended; there is nothing more to be told."))
    existing = Subscription.objects.filter(announcement=announcement, user=actor).first()
    if existing is not None:
        return existing
    subscription = Subscription.objects.create(announcement=announcement, user=actor)
    audit.record_event(announcement, "subscribed", actor=actor, channel=channel)
    _announce(announcement, actor, "subscribed")
    return subscription


@transaction.atomic
def unsubscribe(announcement: Announcement | int, *, actor: User, channel: str) -> None:
    announcement = _readable_notice(announcement, actor)
    deleted, _rows = Subscription.objects.filter(announcement=announcement, user=actor).delete()
    if deleted:
        audit.record_event(announcement, "unsubscribed", actor=actor, channel=channel)
        _announce(announcement, actor, "unsubscribed")


def is_subscribed(announcement: Announcement, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Subscription.objects.filter(
        announcement=announcement, user=user).exists()


def _seen_ticket(ticket: Ticket | int, actor: User) -> Ticket:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = permissions.visible_tickets(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such ticket."))
    return found


@transaction.atomic
def link_ticket(announcement: Announcement | int, ticket: Ticket | int, *, actor: User,
                channel: str) -> TicketAnnouncement:
    """Record that the ticket reports what the notice announces (its requester sees the notice on it)."""
    announcement = lock_announcement(announcement, actor, check=visibility.may_link_tickets,
                                     refusal=_("Only desk staff link tickets to announcements."))
    ticket = _seen_ticket(ticket, actor)
    try:
        with transaction.atomic():
            link = TicketAnnouncement.objects.create(announcement=announcement, ticket=ticket, linked_by=actor)
    except IntegrityError:
        raise ActionError(_("%(number)s is linked to this announcement already.") % {"number": ticket.number}) from None
    audit.record_event(announcement, "ticket_linked", actor=actor, channel=channel,
                       changes={"ticket": ("", ticket.number)})
    _announce(announcement, actor, "ticket_linked")
    return link


@transaction.atomic
def unlink_ticket(announcement: Announcement | int, ticket: Ticket | int, *, actor: User, channel: str) -> None:
    announcement = lock_announcement(announcement, actor, check=visibility.may_link_tickets,
                                     refusal=_("Only desk staff link tickets to announcements."))
    ticket = _seen_ticket(ticket, actor)
    deleted, _rows = TicketAnnouncement.objects.filter(announcement=announcement, ticket=ticket).delete()
    if not deleted:
        raise NotFound(_("%(number)s is not linked to this announcement.") % {"number": ticket.number})
    audit.record_event(announcement, "ticket_unlinked", actor=actor, channel=channel,
                       changes={"ticket": (ticket.number, "")})
    _announce(announcement, actor, "ticket_unlinked")
