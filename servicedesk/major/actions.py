"""Every change of a major incident, one function each (docs/architecture.md's shape): declare, stand down,
resolve (cascading to the linked incidents), link a related incident, acknowledge a page, escalate what was not
acknowledged in time, and keep the contact table. Each runs in one transaction, checks who may, writes, records
the audit trail (core.audit; the ticket's own history through tickets.actions) and announces `major_changed`
after commit. Pages leave through notify's outbox after commit (major.tasks)."""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Group, Role, User
from servicedesk.announcements import actions as notices
from servicedesk.announcements.models import Kind, Phase
from servicedesk.core import audit, links
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.notify import context as notify_context
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets import cascade, permissions
from servicedesk.tickets.models import OPEN_STATUSES, Channel, LinkKind, Service, Ticket, TicketLink, TicketType

from .models import AckVia, Contact, ContactChannel, MajorIncident, Page, State

log = logging.getLogger(__name__)

# Sent after commit: major (as saved), actor, event ("declared", "stood_down", "resolved", "incident_linked",
# "page_acknowledged", "escalated").
major_changed = Signal()

DECLARING_ROLES = frozenset({Role.LEAD, Role.MANAGER, Role.ADMIN})
CONTACT_KEEPING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
MAX_TEXT = 5000
ACK_PURPOSE = "major.ack"
# An acknowledgement link older than this is refused: the incident is long over.
ACK_MAX_AGE = datetime.timedelta(days=14)

audit.register_events([
    ("declared", gettext_lazy("declared")),
    ("stood_down", gettext_lazy("stood down")),
    ("resolved", gettext_lazy("resolved")),
    ("incident_linked", gettext_lazy("related incident linked")),
    ("page_acknowledged", gettext_lazy("page acknowledged")),
    ("escalated", gettext_lazy("escalated to the next contacts")),
])


# ---------------------------------------------------------------------------------------------
# Who may


def may_declare(user) -> bool:
    """Group leads, desk managers and administrators declare, stand down and resolve major incidents."""
    return bool(user is not None and user.is_active and user.role in DECLARING_ROLES)


def may_link(user, major: MajorIncident) -> bool:
    """Those who declare, and any agent of the major incident's group."""
    if may_declare(user):
        return True
    return bool(user.is_desk_staff and major.ticket.group_id in permissions.group_ids(user))


def may_keep_contacts(user) -> bool:
    return bool(user is not None and user.is_active and user.role in CONTACT_KEEPING_ROLES)


def _announce(major: MajorIncident, actor: User, event: str) -> None:
    def send() -> None:
        log.info("Major incident %s %s by %s", major.pk, event, actor.username)
        major_changed.send(sender=MajorIncident, major=major, actor=actor, event=event)

    transaction.on_commit(send)


def _text(value: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ActionError(missing)
    if len(value) > MAX_TEXT:
        raise ActionError(_("The text is too long (at most %(n)s characters).") % {"n": MAX_TEXT})
    return value


def _ticket_channel(channel: str) -> str:
    return channel if channel in Channel.values else Channel.SYSTEM


def lock_major(major: MajorIncident | int, actor: User, expected_version: int | None = None) -> MajorIncident:
    pk = major.pk if isinstance(major, MajorIncident) else major
    found = MajorIncident.objects.select_for_update().select_related("ticket").filter(pk=pk).first()
    if found is None or not (actor.is_system_identity or permissions.can_see(actor, found.ticket)):
        raise NotFound(_("No such major incident."))
    if not actor.is_system_identity and not actor.is_desk_staff:
        raise NotFound(_("No such major incident."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this major incident since you loaded it (now version %(v)s); "
                         "reload it and try again.") % {"v": found.version}, current_version=found.version)
    return found


def _save(major: MajorIncident, fields: list[str]) -> None:
    major.version += 1
    major.save(update_fields=[*fields, "version"])


# ---------------------------------------------------------------------------------------------
# The contact table and paging


def contacts_for(ticket: Ticket) -> list[Contact]:
    """The contacts of the ticket's category, else of its parent category, else of its service, else the
    desk-wide default list: the most specific lines the table has, in order."""
    active = Contact.objects.filter(is_active=True).select_related("user", "group")
    scopes = []
    if ticket.category_id:
        category = ticket.category
        scopes.append(Q(category_id=category.pk))
        if category.parent_id:
            scopes.append(Q(category_id=category.parent_id))
        scopes.append(Q(service_id=category.service_id))
    scopes.append(Q(service__isnull=True, category__isnull=True))
    for scope in scopes:
        found = list(active.filter(scope).order_by("order", "id"))
        if found:
            return found
    return []


def _people(contact: Contact, desk) -> list[dict]:
    """Whom one line of the table reaches: the person, the group's active members and lead (the group's own
    address when it has nobody with one), or the named outsider."""
    def person(user: User) -> dict:
        return {"user": user, "name": user.display_name, "address": (user.email or "").strip().lower(),
                "phone": user.phone or contact.phone,
                "language": notify_context.language_for(user.language, desk)}

    if contact.user_id:
        return [person(contact.user)] if contact.user.is_active else []
    if contact.group_id and contact.channel == ContactChannel.CHAT:
        # One page for the group's chat (its robots): whoever of the group clicks the link acknowledges.
        return [{"user": None, "name": contact.group.local_name, "address": contact.group.email.strip().lower(),
                 "phone": contact.phone, "language": notify_context.language_for(None, desk)}]
    if contact.group_id:
        group: Group = contact.group
        members = {u.pk: u for u in group.members.filter(is_active=True).order_by("id")}
        if group.lead_id and group.lead.is_active:
            members.setdefault(group.lead_id, group.lead)
        found = [person(u) for u in members.values() if u.email or contact.channel == ContactChannel.PHONE]
        if found or not group.email:
            return found
        return [{"user": None, "name": group.local_name, "address": group.email.strip().lower(),
                 "phone": contact.phone, "language": notify_context.language_for(None, desk)}]
    return [{"user": None, "name": contact.name, "address": contact.email.strip().lower(), "phone": contact.phone,
             "language": notify_context.language_for(None, desk)}]


def _page_order(major: MajorIncident, contacts: list[Contact], order: int, now: datetime.datetime) -> list[Page]:
    """Page every contact of one order (once per person or address and channel), after commit."""
    seen = set(major.pages.values_list("channel", "address", "user_id"))
    made = []
    for contact in (c for c in contacts if c.order == order):
        for target in _people(contact, major.ticket.desk):
            key = (contact.channel, target["address"], target["user"].pk if target["user"] else None)
            if key in seen:
                continue
            seen.add(key)
            made.append(Page.objects.create(
                major=major, contact=contact, user=target["user"], name=target["name"][:200],
                address=target["address"], phone=target["phone"], channel=contact.channel, order=order,
                language=target["language"], sent_at=now,
                due_at=now + datetime.timedelta(minutes=contact.respond_within)))
    # A phone page is a task for the desk (call the number); e-mail and chat pages are sent after commit.
    sent = [page.pk for page in made if page.channel != ContactChannel.PHONE]
    if sent:
        from .tasks import send_pages

        transaction.on_commit(lambda: send_pages.delay(sent))
    return made


def ack_token(page: Page) -> str:
    """The token of a page's acknowledgement link: signed, bound to that page, valid for ACK_MAX_AGE."""
    return links.make(ACK_PURPOSE, page.pk)


def page_for_token(token: str) -> Page | None:
    values = links.read(ACK_PURPOSE, token, ACK_MAX_AGE)
    if not values or len(values) != 1 or not values[0].isdigit():
        return None
    return Page.objects.select_related("major__ticket").filter(pk=int(values[0])).first()


# ---------------------------------------------------------------------------------------------
# Declaring, standing down, resolving


def _affected_service(ticket: Ticket) -> Service | None:
    return ticket.category.service if ticket.category_id else None


def _publish_notice(major: MajorIncident, actor: User, channel: str):
    ticket = major.ticket
    service = _affected_service(ticket)
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            texts[language] = _("We are working on a major incident (%(number)s) and will tell you when it is "
                                "resolved.") % {"number": ticket.number}
    data = notices.AnnouncementInput(kind=Kind.OUTAGE, title=ticket.title, body=texts["en"], body_zh=texts["zh-hans"],
                                     services=[service] if service is not None else [])
    return notices.create_announcement(data, actor=actor, channel=channel)


def _end_notice(major: MajorIncident, actor: User, channel: str) -> None:
    notice = major.announcement
    if notice is not None and notice.phase() != Phase.ENDED:
        notices.end_announcement(notice, actor=actor, channel=channel)


@transaction.atomic
def declare(ticket: Ticket | int, *, actor: User, reason: str, channel: str, publish_notice: bool = True,
            expected_version: int | None = None) -> MajorIncident:
    """Declare the incident a major incident: the first contacts of the table are paged, and (by default) a
    service notice is published for the affected service."""
    if not may_declare(actor):
        raise NotAllowed(_("Only group leads, desk managers and administrators may declare a major incident."))
    reason = _text(reason, _("Say why this is a major incident."))
    ticket = ticket_actions.lock_ticket(ticket, actor, expected_version)
    if ticket.type != TicketType.INCIDENT:
        raise ActionError(_("Only incidents may be declared major incidents."))
    if ticket.status not in OPEN_STATUSES:
        raise ActionError(_("Only an open incident may be declared a major incident."))
    now = timezone.now()
    major = MajorIncident.objects.select_for_update().filter(ticket=ticket).first()
    if major is not None and major.is_active:
        raise ActionError(_("%(number)s is a major incident already.") % {"number": ticket.number})
    if major is None:
        major = MajorIncident.objects.create(ticket=ticket, reason=reason, declared_by=actor, declared_at=now)
        audit.record_created(major, actor=actor, channel=channel, fields=["ticket", "reason", "state"])
    else:
        before = audit.snapshot(major, ["state", "reason", "declared_by", "declared_at", "end_note"])
        major.state, major.reason, major.declared_by, major.declared_at = State.ACTIVE, reason, actor, now
        major.ended_by, major.ended_at, major.end_note = None, None, ""
        _save(major, ["state", "reason", "declared_by", "declared_at", "ended_by", "ended_at", "end_note"])
        audit.record_change(major, before, actor=actor, channel=channel, note=_("declared again"))
    major.ticket = ticket
    ticket_actions.record_event(ticket, actor=actor, event="major_declared", channel=_ticket_channel(channel),
                                note=reason[:500], internal=True)
    contacts = contacts_for(ticket)
    if contacts:
        _page_order(major, contacts, contacts[0].order, now)
    if publish_notice:
        major.announcement = _publish_notice(major, actor, channel)
        major.save(update_fields=["announcement"])
    # At the declaration's moment: the timeline shows it before the pages it sent.
    audit.record_event(major, "declared", actor=actor, channel=channel, note=reason[:500], at=now)
    _announce(major, actor, "declared")
    return major


def _end(major: MajorIncident, state: str, actor: User, note: str) -> None:
    major.state, major.ended_by, major.ended_at, major.end_note = state, actor, timezone.now(), note
    _save(major, ["state", "ended_by", "ended_at", "end_note"])


@transaction.atomic
def stand_down(major: MajorIncident | int, *, actor: User, reason: str, channel: str,
               expected_version: int | None = None) -> MajorIncident:
    """It was not a major incident after all (or no longer is): paging stops, the notice ends; the ticket and
    its linked incidents stay as they are."""
    if not may_declare(actor):
        raise NotAllowed(_("Only group leads, desk managers and administrators may stand down a major incident."))
    reason = _text(reason, _("Say why the major incident is stood down."))
    major = lock_major(major, actor, expected_version)
    if not major.is_active:
        raise ActionError(_("This major incident is not active."))
    _end(major, State.STOOD_DOWN, actor, reason)
    ticket_actions.record_event(major.ticket, actor=actor, event="major_stood_down",
                                channel=_ticket_channel(channel), note=reason[:500], internal=True)
    _end_notice(major, actor, channel)
    audit.record_event(major, "stood_down", actor=actor, channel=channel, note=reason[:500])
    _announce(major, actor, "stood_down")
    return major


def linked_incidents(major: MajorIncident):
    """The incidents linked under the major one (children of its ticket)."""
    return Ticket.objects.filter(links_out__target_id=major.ticket_id, links_out__kind=LinkKind.CHILD_OF)


@dataclasses.dataclass
class Resolution:
    major: MajorIncident
    resolved: list[str]  # numbers of the tickets resolved with it (the major ticket first)
    left: list[tuple[str, str]]  # (number, why) of the open ones that could not be


@transaction.atomic
def resolve(major: MajorIncident | int, *, actor: User, resolution: str, channel: str,
            expected_version: int | None = None) -> Resolution:
    """Resolve the major incident: its ticket and each open linked incident are resolved with the resolution
    (each requester gets the desk's resolution mail, with confirm and reopen), and the service notice ends.
    A linked incident the actor may not see is resolved by the desk's system identity."""
    if not may_declare(actor):
        raise NotAllowed(_("Only group leads, desk managers and administrators may resolve a major incident."))
    resolution = _text(resolution, _("Describe the resolution: every requester is asked to confirm it."))
    major = lock_major(major, actor, expected_version)
    if not major.is_active:
        raise ActionError(_("This major incident is not active."))
    _end(major, State.RESOLVED, actor, resolution)
    children = linked_incidents(major).filter(status__in=OPEN_STATUSES, type=TicketType.INCIDENT).order_by("id")
    outcome = cascade.resolve_open([major.ticket, *children], actor=actor, resolution=resolution, channel=channel)
    done, left = outcome.resolved, outcome.left
    ticket_actions.record_event(major.ticket, actor=actor, event="major_resolved", channel=_ticket_channel(channel),
                                note=resolution[:500], internal=True)
    _end_notice(major, actor, channel)
    note = _("resolved with it: %(numbers)s") % {"numbers": ", ".join(done) or "-"}
    if left:
        note += "; " + _("left open: %(numbers)s") % {"numbers": ", ".join(n for n, _why in left)}
    audit.record_event(major, "resolved", actor=actor, channel=channel, note=note[:500])
    _announce(major, actor, "resolved")
    return Resolution(major, done, left)


@transaction.atomic
def link_incident(major: MajorIncident | int, incident: Ticket | int, *, actor: User, channel: str) -> TicketLink:
    """Link a related incident under the major one (the incident becomes a child of the major ticket): from the
    major incident's page, the incident's own page, the possible duplicates, or monitoring's incidents."""
    major = lock_major(major, actor)
    if not may_link(actor, major):
        raise NotAllowed(_("Only the group of the major incident, its leads, desk managers and administrators "
                           "may link incidents to it."))
    if not major.is_active:
        raise ActionError(_("Only an active major incident takes related incidents."))
    pk = incident.pk if isinstance(incident, Ticket) else incident
    found = Ticket.objects.filter(pk=pk).first()
    if found is None or not permissions.can_see(actor, found):
        raise NotFound(_("Ticket not found."))
    if found.pk == major.ticket_id:
        raise ActionError(_("A ticket cannot be linked to itself."))
    if found.type != TicketType.INCIDENT:
        raise ActionError(_("Only incidents are linked under a major incident."))
    link = ticket_actions.link(found, major.ticket, LinkKind.CHILD_OF, actor=actor, channel=_ticket_channel(channel))
    audit.record_event(major, "incident_linked", actor=actor, channel=channel, changes={"ticket": ("", found.number)})
    _announce(major, actor, "incident_linked")
    return link


# ---------------------------------------------------------------------------------------------
# Acknowledgements and escalation


@transaction.atomic
def acknowledge(page: Page | int, *, actor: User, via: str, channel: str) -> Page:
    """Record that a paged contact acknowledged. Through the link in the page (`via` "link") the token was
    the proof; in the console or the API a member of the desk staff who sees the ticket records it (a phone
    contact who answered, a contact who called back). A second acknowledgement changes nothing."""
    pk = page.pk if isinstance(page, Page) else page
    found = Page.objects.select_for_update().select_related("major__ticket").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such page."))
    if via != AckVia.LINK:
        lock_major(found.major, actor)
    if found.acknowledged_at is not None:
        return found
    found.acknowledged_at = timezone.now()
    found.acknowledged_by = found.user if actor.is_system_identity else actor
    found.acknowledged_via = via
    found.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_via"])
    audit.record_event(found.major, "page_acknowledged", actor=actor, channel=channel, note=found.name)
    _announce(found.major, actor, "page_acknowledged")
    return found


def acknowledge_by_link(token: str) -> Page:
    """The one-click acknowledgement: the signed token names the page; the contact acts (the desk's system
    identity for someone outside the desk)."""
    page = page_for_token(token)
    if page is None:
        raise NotFound(_("This acknowledgement link is not valid (or too old)."))
    actor = page.user if page.user is not None and page.user.is_active else system_user()
    return acknowledge(page, actor=actor, via=AckVia.LINK, channel=audit.Channel.EMAIL)


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """Periodic: each page of an active major incident not acknowledged within its time is escalated (once);
    when nobody paged has acknowledged, the contacts of the next order are paged. Returns the pages escalated.
    Each major incident is handled under its row lock, so two schedulers at once escalate a page once."""
    now = now or timezone.now()
    due = (Page.objects.filter(escalated=False, acknowledged_at__isnull=True, due_at__lte=now,
                               major__state=State.ACTIVE).values_list("major_id", flat=True).distinct())
    count = 0
    for major_id in sorted(set(due)):
        count += _escalate(major_id, now)
    return count


@transaction.atomic
def _escalate(major_id: int, now: datetime.datetime) -> int:
    actor = system_user()
    major = lock_major(major_id, actor)
    if not major.is_active:
        return 0
    overdue = list(major.pages.filter(escalated=False, acknowledged_at__isnull=True, due_at__lte=now))
    if not overdue:
        return 0
    major.pages.filter(pk__in=[p.pk for p in overdue]).update(escalated=True, escalated_at=now)
    names = ", ".join(p.name for p in overdue)
    if major.pages.filter(acknowledged_at__isnull=False).exists():
        note = _("not acknowledged in time: %(names)s (someone else acknowledged)") % {"names": names}
    else:
        reached = major.pages.aggregate(top=Max("order"))["top"] or 0
        contacts = contacts_for(major.ticket)
        following = [c.order for c in contacts if c.order > reached]
        if following:
            paged = _page_order(major, contacts, min(following), now)
            note = _("not acknowledged in time: %(names)s; paged next: %(next)s") % {
                "names": names, "next": ", ".join(p.name for p in paged) or "-"}
        else:
            note = _("not acknowledged in time: %(names)s; nobody further in the contact table") % {"names": names}
    audit.record_event(major, "escalated", actor=actor, channel=audit.Channel.SYSTEM, note=note[:500])
    _announce(major, actor, "escalated")
    return len(overdue)


# ---------------------------------------------------------------------------------------------
# The contact table (the console's screen for managers; the admin writes through AuditedAdmin)


CONTACT_FIELDS = ["service", "category", "order", "user", "group", "name", "phone", "email", "channel",
                  "respond_within", "is_active"]


@dataclasses.dataclass
class ContactInput:
    service: Service | None = None
    category: object = None
    order: int = 1
    user: User | None = None
    group: Group | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    channel: str = ContactChannel.EMAIL
    respond_within: int = 15
    is_active: bool = True


def _refuse_invalid(contact: Contact) -> None:
    try:
        contact.full_clean()
    except ValidationError as invalid:
        raise ActionError(" ".join(invalid.messages)) from None


@transaction.atomic
def save_contact(contact: Contact | None, data: ContactInput, *, actor: User, channel: str) -> Contact:
    if not may_keep_contacts(actor):
        raise NotAllowed(_("Only desk managers and administrators keep the major-incident contact table."))
    before = None
    if contact is not None:
        # Ordered by the key alone: the table's default order joins the (nullable) service, which PostgreSQL
        # refuses to lock.
        contact = Contact.objects.select_for_update().filter(pk=contact.pk).order_by("pk").first()
        if contact is None:
            raise NotFound(_("No such contact."))
        before = audit.snapshot(contact)
    else:
        contact = Contact()
    for name in CONTACT_FIELDS:
        setattr(contact, name, getattr(data, name))
    _refuse_invalid(contact)
    contact.save()
    if before is None:
        audit.record_created(contact, actor=actor, channel=channel)
    else:
        audit.record_change(contact, before, actor=actor, channel=channel)
    return contact


@transaction.atomic
def delete_contact(contact: Contact | int, *, actor: User, channel: str) -> None:
    if not may_keep_contacts(actor):
        raise NotAllowed(_("Only desk managers and administrators keep the major-incident contact table."))
    pk = contact.pk if isinstance(contact, Contact) else contact
    found = Contact.objects.select_for_update().filter(pk=pk).order_by("pk").first()
    if found is None:
        raise NotFound(_("No such contact."))
    audit.record_deleted(found, actor=actor, channel=channel)
    found.delete()
