"""Alerts into incidents: one incident per alert fingerprint, updated while it fires, noted (and resolved,
if the source says so) when it resolves, reopened when it fires again soon after, grouped under a parent
incident in a storm.

Each alert is taken in its own transaction holding its `Alert` row's lock (the row is unique per source and
fingerprint), so concurrent deliveries of one alert make one incident. A repeat that changes nothing —
Alertmanager resends every firing alert each repeat_interval — is one indexed read and one small update;
only changes (a new severity, a re-fire after a resolve, the resolve) are written on the incident.
Tickets change only through `tickets.actions`, as the desk's system identity, on the monitoring channel.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Desk, Group, User
from servicedesk.core import rows
from servicedesk.tickets import actions as tickets
from servicedesk.tickets.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Level,
    LinkKind,
    Service,
    Status,
    Ticket,
    TicketLink,
    TicketType,
)

from .models import Alert, AlertSource, AlertState, AlertStorm
from .payloads import Incoming

STORM_WINDOW = datetime.timedelta(minutes=1)


class Outcome:
    CREATED = "created"  # a new incident
    REPEATED = "repeated"  # nothing new: counted
    NOTED = "noted"  # a change noted on the open incident
    RESOLVED = "resolved"  # noted, and the incident resolved
    REOPENED = "reopened"
    IGNORED = "ignored"  # a resolve of an alert the desk never saw firing


@dataclass
class Received:
    fingerprint: str
    outcome: str
    ticket: str | None  # the incident's number


def receive(source: AlertSource, alerts: list[Incoming]) -> list[Received]:
    """Take a request's alerts, each in its own transaction."""
    return [receive_alert(source, incoming) for incoming in alerts]


def receive_alert(source: AlertSource, incoming: Incoming) -> Received:
    now = timezone.now()
    severity = severity_of(source, incoming)
    with transaction.atomic():
        glance = _glance(source.pk, incoming.fingerprint)
        if glance is not None and _unchanged(glance, incoming.status, severity):
            _touch(glance[0], now, counted=incoming.status == AlertState.FIRING)
            return Received(incoming.fingerprint, Outcome.REPEATED, glance[4])
        alert = _locked(source, incoming.fingerprint) if glance is not None else None
        if alert is None and incoming.status == AlertState.RESOLVED:
            return Received(incoming.fingerprint, Outcome.IGNORED, None)
        # What the desk writes on the incident (its description, notes) is in the desk's language, not in
        # the language of the monitoring system's request.
        with translation.override(_desk_language(alert)):
            if alert is None:
                alert = _new_alert(source, incoming, now)
            if incoming.status == AlertState.FIRING:
                outcome = _firing(source, alert, incoming, severity, now)
            else:
                outcome = _resolved(source, alert, incoming, now)
    return Received(incoming.fingerprint, outcome, alert.ticket.number if alert.ticket else None)


def _desk_language(alert: Alert | None) -> str:
    """The language of the desk the alert's incident is on (a new one: the default desk's)."""
    if alert is not None and alert.ticket_id is not None:
        return alert.ticket.desk.language
    desk = Desk.objects.filter(is_default=True).first() or Desk.objects.order_by("id").first()
    return desk.language if desk is not None else settings.LANGUAGE_CODE


# The repeat path, on every delivery: one indexed read (locking the alert's row) and, for a repeat, one small
# update, each a statement written once instead of compiled by the ORM per call (which cost more than running
# it: bench/README.md, "Alerts per second").
@cache
def _glance_sql(vendor: str) -> str:
    alert, ticket = Alert._meta.db_table, Ticket._meta.db_table
    lock = " FOR UPDATE OF a" if vendor == "postgresql" else ""
    return (f'SELECT a.id, a.state, a.severity, t.status, t.number FROM "{alert}" a '
            f'LEFT JOIN "{ticket}" t ON t.id = a.ticket_id WHERE a.source_id = %s AND a.fingerprint = %s{lock}')


def _glance(source_id: int, fingerprint: str) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(_glance_sql(connection.vendor), [source_id, fingerprint])
        return cursor.fetchone()


def _unchanged(glance: tuple, status: str, severity: str) -> bool:
    _id, state, known_severity, ticket_status, _number = glance
    if status == AlertState.RESOLVED:
        return state == AlertState.RESOLVED
    return state == AlertState.FIRING and known_severity == severity and ticket_status in OPEN_STATUSES


def _touch(alert_id: int, now: datetime.datetime, *, counted: bool) -> None:
    count = ", count = count + 1" if counted else ""
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Alert._meta.db_table}" SET last_seen = %s{count} WHERE id = %s',
                       [connection.ops.adapt_datetimefield_value(now), alert_id])


def _locked(source: AlertSource, fingerprint: str) -> Alert | None:
    """The alert under its row lock, with its incident (read, not locked)."""
    quote = connection.ops.quote_name
    alert = next(iter(rows.select(Alert, f"{quote('source_id')} = %s AND {quote('fingerprint')} = %s",
                                  [source.pk, fingerprint], for_update=True)), None)
    if alert is not None:
        alert.ticket = next(iter(rows.select(Ticket, f"{quote('id')} = %s", [alert.ticket_id])), None) \
            if alert.ticket_id else None
    return alert


def _new_alert(source: AlertSource, incoming: Incoming, now: datetime.datetime) -> Alert:
    alert = Alert(source=source, fingerprint=incoming.fingerprint, title=incoming.title[:255],
                  state=AlertState.FIRING, first_seen=now, last_seen=now, ticket=None)
    try:
        with transaction.atomic():
            return rows.insert(alert)  # the new row is this transaction's until it commits
    except IntegrityError:
        # Made by a concurrent delivery of the same alert: wait for its lock, then take it as it left it.
        return _locked(source, incoming.fingerprint)


def severity_of(source: AlertSource, incoming: Incoming) -> str:
    return (incoming.severity or incoming.labels.get(source.label("severity"), "")).strip()[:50]


def _firing(source: AlertSource, alert: Alert, incoming: Incoming, severity: str, now: datetime.datetime) -> str:
    ticket = alert.ticket
    is_open = ticket is not None and ticket.status in OPEN_STATUSES
    if is_open and alert.state == AlertState.FIRING and alert.severity == severity:
        _touch(alert.pk, now, counted=True)  # a concurrent delivery made the alert: a repeat
        return Outcome.REPEATED
    system = system_user()
    _remember(alert, source, incoming, severity, now)
    if ticket is None:
        alert.ticket = _open_incident(source, alert, incoming, system)
        alert.opened_at = now
        outcome = Outcome.CREATED
    elif is_open:
        if alert.state == AlertState.RESOLVED:
            note = _("The alert fired again (received %(count)s times).") % {"count": alert.count}
        else:
            note = _("The alert's severity changed to %(severity)s.") % {"severity": severity or "—"}
        tickets.add_comment(ticket, actor=system, body=note, internal=True, channel=Channel.MONITORING)
        outcome = Outcome.NOTED
    elif _reopened(source, ticket, system, now):
        alert.opened_at = now
        outcome = Outcome.REOPENED
    else:
        earlier = ticket
        alert.ticket = _open_incident(source, alert, incoming, system)
        alert.opened_at = now
        tickets.link(alert.ticket, earlier, LinkKind.RELATED, actor=system, channel=Channel.MONITORING)
        outcome = Outcome.CREATED
    alert.state, alert.resolved_at = AlertState.FIRING, None
    rows.update(alert, CHANGING)
    if alert.opened_at == now:
        _storm(source, alert, system, now)
    return outcome


def _reopened(source: AlertSource, ticket: Ticket, system: User, now: datetime.datetime) -> bool:
    """Reopen the incident if it was resolved within the source's window. A lifecycle an administrator
    changed so that it cannot be reopened gives a new incident instead: the alert is never refused for it
    (the monitoring would resend it for ever)."""
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None \
            or now - ticket.resolved_at > datetime.timedelta(minutes=source.reopen_minutes):
        return False
    try:
        tickets.transition(ticket, "reopen", actor=system, channel=Channel.MONITORING, internal=True, comment=_(
            "The alert fired again within %(minutes)s minutes of the resolution.") % {"minutes": source.reopen_minutes})
    except tickets.ActionError:
        return False
    return True


CHANGING = ("title", "severity", "labels", "generator_url", "storm_key", "count", "last_seen", "opened_at", "state",
            "resolved_at", "ticket")


def _remember(alert: Alert, source: AlertSource, incoming: Incoming, severity: str, now) -> None:
    alert.title = incoming.title[:255]
    alert.severity = severity
    alert.labels = incoming.labels
    alert.generator_url = incoming.generator_url[:1000]
    alert.storm_key = incoming.labels.get(source.label("storm"), "")[:200] if source.label("storm") else ""
    alert.count += 1
    alert.last_seen = now


def _resolved(source: AlertSource, alert: Alert, incoming: Incoming, now: datetime.datetime) -> str:
    if alert.state == AlertState.RESOLVED:
        _touch(alert.pk, now, counted=False)
        return Outcome.REPEATED
    alert.state, alert.resolved_at, alert.last_seen = AlertState.RESOLVED, now, now
    rows.update(alert, ["state", "resolved_at", "last_seen"])
    ticket = alert.ticket
    if ticket is None or ticket.status not in OPEN_STATUSES:
        return Outcome.NOTED
    system = system_user()
    ended = incoming.ends_at or now
    note = _("The alert resolved (ended %(time)s UTC).") % {"time": f"{ended.astimezone(datetime.UTC):%Y-%m-%d %H:%M}"}
    if not source.auto_resolve:
        tickets.add_comment(ticket, actor=system, body=note, internal=True, channel=Channel.MONITORING)
        return Outcome.NOTED
    try:
        alert.ticket = tickets.transition(ticket, "resolve", actor=system, channel=Channel.MONITORING, comment=note)
    except tickets.ActionError:  # a lifecycle that no longer lets the desk resolve it: noted, as without auto_resolve
        tickets.add_comment(ticket, actor=system, body=note, internal=True, channel=Channel.MONITORING)
        return Outcome.NOTED
    return Outcome.RESOLVED


# ---------------------------------------------------------------------------------------------
# The incident


def levels(source: AlertSource, severity: str) -> tuple[int, int]:
    impact, urgency = (source.severities or {}).get(severity.lower(), [Level.MEDIUM, Level.MEDIUM])
    return int(impact), int(urgency)


def _by_name(model, name: str, **filters):
    if not name:
        return None
    found = model.objects.filter(Q(name__iexact=name) | Q(name_zh=name), is_active=True, **filters)
    return found.order_by("id").first()


def routing(source: AlertSource, labels: dict[str, str]) -> tuple[Category | None, Group | None]:
    """The category and group the alert's labels name, else the source's defaults."""
    # Groups from the cached reference list: no query on the path of every new incident.
    groups = accounts_refdata.active_groups()
    named = labels.get(source.label("group"), "").casefold()
    group = next((g for g in groups if named and named in (g.name.casefold(), g.name_zh.casefold())), None) \
        or next((g for g in groups if g.pk == source.default_group_id), None)
    service = _by_name(Service, labels.get(source.label("service"), "")) or source.default_service
    category = _by_name(Category, labels.get(source.label("category"), ""),
                        **({"service": service} if service else {}))
    if category is None and source.default_category_id and (
            service is None or source.default_category.service_id == service.pk):
        category = source.default_category
    if category is None and service is not None:
        category = Category.objects.filter(service=service, parent=None, is_active=True).order_by(
            "order", "name").first()
    if category is not None and not category.is_active:
        category = None
    return category, group


def describe(source: AlertSource, alert: Alert, incoming: Incoming) -> str:
    lines = [incoming.description, ""] if incoming.description else []
    lines += [_("Alert source: %(source)s") % {"source": source.name},
              _("Fingerprint: %(fingerprint)s") % {"fingerprint": alert.fingerprint}]
    if alert.severity:
        lines.append(_("Severity: %(severity)s") % {"severity": alert.severity})
    lines += [f"{key}={value}" for key, value in sorted(incoming.labels.items())]
    if incoming.generator_url:
        lines.append(_("Link: %(url)s") % {"url": incoming.generator_url})
    return "\n".join(lines)


def _open_incident(source: AlertSource, alert: Alert, incoming: Incoming, system: User) -> Ticket:
    impact, urgency = levels(source, alert.severity)
    category, group = routing(source, incoming.labels)
    return tickets.create_ticket(
        actor=system, requester=system, title=incoming.title, description=describe(source, alert, incoming),
        type=TicketType.INCIDENT, channel=Channel.MONITORING, category=category, group=group,
        impact=impact, urgency=urgency,
    )


# ---------------------------------------------------------------------------------------------
# Storms


def _storm(source: AlertSource, alert: Alert, system: User, now: datetime.datetime) -> None:
    """More than the source's threshold of alerts (of one storm group) opening incidents within a minute: the
    group's parent incident is made once, and every incident of the window is linked under it."""
    since = now - STORM_WINDOW
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{Alert._meta.db_table}" WHERE source_id = %s AND storm_key = %s '
                       'AND opened_at > %s', [source.pk, alert.storm_key,
                                              connection.ops.adapt_datetimefield_value(since)])
        if cursor.fetchone()[0] <= source.storm_threshold:
            return
    window = Alert.objects.filter(source=source, storm_key=alert.storm_key, opened_at__gt=since)
    AlertStorm.objects.get_or_create(source=source, key=alert.storm_key)
    storm = (AlertStorm.objects.select_for_update(of=("self",)).select_related("ticket")
             .get(source=source, key=alert.storm_key))
    if storm.ticket is None or storm.ticket.status not in OPEN_STATUSES:
        group_name = alert.storm_key or source.name
        impact, urgency = levels(source, alert.severity)
        storm.ticket = tickets.create_ticket(
            actor=system, requester=system, title=_("Alert storm: %(group)s") % {"group": group_name},
            description=_("More than %(count)s alerts of %(source)s opened incidents within a minute; each is "
                          "linked below as a child of this one.")
            % {"count": source.storm_threshold, "source": source.name},
            type=TicketType.INCIDENT, channel=Channel.MONITORING, group=routing(source, {})[1],
            impact=impact, urgency=urgency,
        )
        storm.save(update_fields=["ticket"])
    parent = storm.ticket
    children = set(window.filter(ticket__status__in=OPEN_STATUSES).values_list("ticket_id", flat=True))
    linked = set(TicketLink.objects.filter(source_id__in=children, kind=LinkKind.CHILD_OF)
                 .values_list("source_id", flat=True))
    for child in sorted(children - linked - {parent.pk}):
        try:
            tickets.link(child, parent, LinkKind.CHILD_OF, actor=system, channel=Channel.MONITORING)
        except tickets.ActionError:
            continue  # e.g. a loop: the incident stays where a person put it
