"""Every change of a problem (问题), one function each (docs/architecture.md's shape): open it from incidents, link
and unlink incidents (from either side), record the root cause and workaround, publish the known error (已知错误)
to the knowledge base, and resolve it with its open incidents. Each runs in one transaction, checks who may and
the version the caller loaded, writes, records the audit trail (core.audit; both tickets' history through
tickets.actions) and announces `problem_changed` after commit."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.knowledge import actions as knowledge
from servicedesk.knowledge import visibility as knowledge_visibility
from servicedesk.knowledge.actions import links as article_links
from servicedesk.knowledge.actions.from_ticket import article_language
from servicedesk.knowledge.models import Article
from servicedesk.knowledge.models import LinkKind as ArticleLinkKind
from servicedesk.knowledge.models import State as ArticleState
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets import cascade, permissions
from servicedesk.tickets.models import OPEN_STATUSES, Channel, LinkKind, Ticket, TicketLink, TicketType

from .models import ProblemRecord

log = logging.getLogger(__name__)

# Sent after commit: problem (the record as saved), actor, event ("opened", "incident_linked",
# "incident_unlinked", "analysed", "known_error_published", "resolved").
problem_changed = Signal()

MAX_TEXT = 10_000
MAX_INCIDENTS = 100

# The problem ticket's history events (console.ticket_timeline describes them).
ANALYSED = "problem_analysed"
KNOWN_ERROR = "known_error_published"
RESOLVED = "problem_resolved"

audit.register_events([
    ("known_error_published", gettext_lazy("known error published")),
    ("resolved", gettext_lazy("resolved")),
])


# ---------------------------------------------------------------------------------------------
# Who may, and reading


def may_work(user) -> bool:
    """Desk staff open problems, link incidents and write the analysis (of problems they see)."""
    return bool(user is not None and user.is_active and user.is_desk_staff)


def may_publish(user) -> bool:
    """A known error is a knowledge article: the knowledge base's publishers publish it."""
    return may_work(user) and knowledge_visibility.may_publish(user)


def _ticket_channel(channel: str) -> str:
    return channel if channel in Channel.values else Channel.SYSTEM


def _text(value: str | None, label: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ActionError(_("The %(field)s is too long (at most %(n)s characters).") % {"field": label, "n": MAX_TEXT})
    return value


def _announce(record: ProblemRecord, actor: User, event: str) -> None:
    def send() -> None:
        log.info("Problem %s %s by %s", record.ticket.number, event, actor.username)
        problem_changed.send(sender=ProblemRecord, problem=record, actor=actor, event=event)

    transaction.on_commit(send)


def lock_problem(problem: ProblemRecord | Ticket | int, actor: User,
                 expected_version: int | None = None) -> ProblemRecord:
    """The problem's record under a row lock, after checking the actor is desk staff who sees its ticket and
    that it is still at the version the caller loaded. `problem` is the record, its ticket, or the record's id."""
    if isinstance(problem, Ticket):
        query = Q(ticket_id=problem.pk)
    else:
        query = Q(pk=problem.pk if isinstance(problem, ProblemRecord) else problem)
    found = ProblemRecord.objects.select_for_update().filter(query).first()
    if found is None or not may_work(actor) or not permissions.can_see(actor, found.ticket):
        raise NotFound(_("No such problem."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this problem since you loaded it (now version %(v)s); reload it "
                         "and try again.") % {"v": found.version}, current_version=found.version)
    return found


def _save(record: ProblemRecord, fields: list[str]) -> None:
    record.version += 1
    record.save(update_fields=[*fields, "version"])


def linked_incidents(record: ProblemRecord):
    """The incidents caused by the problem (linked to its ticket as "caused by")."""
    return Ticket.objects.filter(links_out__target_id=record.ticket_id, links_out__kind=LinkKind.CAUSED_BY)


def problem_of(incident: Ticket) -> ProblemRecord | None:
    """The problem an incident is linked to, if any."""
    return ProblemRecord.objects.select_related("ticket").filter(
        ticket__links_in__source_id=incident.pk, ticket__links_in__kind=LinkKind.CAUSED_BY).first()


def _visible_incident(actor: User, incident: Ticket | int) -> Ticket:
    pk = incident.pk if isinstance(incident, Ticket) else incident
    found = Ticket.objects.filter(pk=pk).first()
    if found is None or not permissions.can_see(actor, found):
        raise NotFound(_("Ticket not found."))
    if found.type != TicketType.INCIDENT:
        raise ActionError(_("%(number)s is not an incident: only incidents are linked to a problem.")
                          % {"number": found.number})
    return found


def _link(record: ProblemRecord, incident: Ticket, actor: User, channel: str) -> TicketLink:
    other = problem_of(incident)
    if other is not None:
        if other.pk == record.pk:
            raise ActionError(_("%(number)s is linked to this problem already.") % {"number": incident.number})
        raise ActionError(_("%(number)s is linked to the problem %(problem)s already.")
                          % {"number": incident.number, "problem": other.ticket.number})
    return ticket_actions.link(incident, record.ticket, LinkKind.CAUSED_BY, actor=actor,
                               channel=_ticket_channel(channel))


# ---------------------------------------------------------------------------------------------
# Opening and linking


@transaction.atomic
def open_problem(incidents: Sequence[Ticket | int], *, actor: User, channel: str, title: str = "",
                 description: str = "") -> ProblemRecord:
    """Open a problem from one or several incidents: a PROBLEM ticket (the first incident's title,
    description, category and group unless given), each incident linked to it as "caused by"."""
    if not may_work(actor):
        raise NotAllowed(_("Only desk staff may open problems."))
    unique = list(dict.fromkeys(i.pk if isinstance(i, Ticket) else i for i in incidents))
    if not unique:
        raise ActionError(_("Choose the incidents the problem is the cause of."))
    if len(unique) > MAX_INCIDENTS:
        raise ActionError(_("A problem is opened from at most %(n)s incidents.") % {"n": MAX_INCIDENTS})
    found = [_visible_incident(actor, pk) for pk in unique]
    first = found[0]
    title = " ".join((title or first.title).split())[:255]
    description = _text(description or first.description, _("description"))
    ticket = ticket_actions.create_ticket(
        actor=actor, title=title, description=description, type=TicketType.PROBLEM,
        channel=_ticket_channel(channel), requester=actor, category=first.category, group=first.group,
        impact=min(i.impact for i in found), urgency=first.urgency, desk=first.desk)
    record = ProblemRecord.objects.create(ticket=ticket, created_by=actor, created_at=ticket.created_at)
    audit.record_created(record, actor=actor, channel=channel, fields=["ticket"])
    for incident in found:
        _link(record, incident, actor, channel)
    _announce(record, actor, "opened")
    return record


@transaction.atomic
def link_incident(problem: ProblemRecord | Ticket | int, incident: Ticket | int, *, actor: User,
                  channel: str) -> TicketLink:
    """Link an incident to the problem (from the problem's page or the incident's): both tickets' history
    records it."""
    record = lock_problem(problem, actor)
    found = _visible_incident(actor, incident)
    link = _link(record, found, actor, channel)
    audit.record_event(record, "changed", actor=actor, channel=channel, changes={"incidents": ("", found.number)})
    _announce(record, actor, "incident_linked")
    return link


@transaction.atomic
def unlink_incident(problem: ProblemRecord | Ticket | int, incident: Ticket | int, *, actor: User,
                    channel: str) -> None:
    record = lock_problem(problem, actor)
    pk = incident.pk if isinstance(incident, Ticket) else incident
    link = TicketLink.objects.select_related("source").filter(source_id=pk, target_id=record.ticket_id,
                                                             kind=LinkKind.CAUSED_BY).first()
    if link is None or not permissions.can_see(actor, link.source):
        raise NotFound(_("This incident is not linked to the problem."))
    ticket_actions.unlink(link.source, link.pk, actor=actor, channel=_ticket_channel(channel))
    audit.record_event(record, "changed", actor=actor, channel=channel,
                       changes={"incidents": (link.source.number, "")})
    _announce(record, actor, "incident_unlinked")


# ---------------------------------------------------------------------------------------------
# Analysis and the known error


@transaction.atomic
def update_analysis(problem: ProblemRecord | Ticket | int, *, actor: User, channel: str,
                    root_cause: str | None = None, workaround: str | None = None,
                    expected_version: int | None = None) -> ProblemRecord:
    """Record the root cause and the workaround (None leaves one as it is). A published known error keeps the
    workaround it was published with until it is published again."""
    record = lock_problem(problem, actor, expected_version)
    before = audit.snapshot(record, ["root_cause", "workaround"])
    changed = []
    for name, value in (("root_cause", root_cause), ("workaround", workaround)):
        if value is None:
            continue
        value = _text(value, str(ProblemRecord._meta.get_field(name).verbose_name))
        if value != getattr(record, name):
            setattr(record, name, value)
            changed.append(name)
    if not changed:
        return record
    _save(record, changed)
    audit.record_change(record, before, actor=actor, channel=channel)
    for name in changed:
        ticket_actions.record_event(record.ticket, actor=actor, event=ANALYSED, channel=_ticket_channel(channel),
                                    field=name, new=getattr(record, name)[:500], internal=True)
    _announce(record, actor, "analysed")
    return record


def article_text(record: ProblemRecord, language: str) -> tuple[str, str]:
    """(title, Markdown body) of the known-error article: the symptom as the incidents described it, then the
    workaround, with its headings in `language` — what a customer searching the symptom reads."""
    ticket = record.ticket
    with translation.override(language):
        symptom = ticket.description.strip() or ticket.title
        headings = (_("Symptom"), _("Workaround"))
        footer = _("A known error: the desk is working on its cause (%(number)s).") % {"number": ticket.number}
        body = f"## {headings[0]}\n\n{symptom}\n\n## {headings[1]}\n\n{record.workaround}\n\n_{footer}_\n"
    return ticket.title, body


@transaction.atomic
def publish_known_error(problem: ProblemRecord | Ticket | int, *, actor: User, channel: str,
                        expected_version: int | None = None) -> Article:
    """Publish the problem as a known error: a knowledge article (created the first time, updated after) with
    the symptom and the workaround, in the problem's language, of its service and category, linked to the
    problem's ticket as its source and published through the knowledge base's actions."""
    if not may_publish(actor):
        raise NotAllowed(_("Only a group lead, desk manager or administrator may publish a known error."))
    record = lock_problem(problem, actor, expected_version)
    if not record.workaround.strip():
        raise ActionError(_("Write the workaround first: it is what customers searching the symptom read."))
    ticket = record.ticket
    article = Article.objects.filter(pk=record.article_id).first()
    language = article.language if article is not None else article_language(ticket)
    title, body = article_text(record, language)
    category = ticket.category
    data = knowledge.ArticleInput(title=title, body=body, language=language, category=category,
                                  service=category.service if category else None)
    note = _("Known error %(number)s") % {"number": ticket.number}
    if article is None:
        article = knowledge.create_article(data, actor=actor, channel=channel, note=note)
        article_links.link_article(ticket, article, actor=actor, channel=_ticket_channel(channel),
                                   kind=ArticleLinkKind.SOURCE)
    else:
        article = knowledge.update_article(article, data, actor=actor, channel=channel, note=note)
    if not (article.is_live and article.state == ArticleState.PUBLISHED):
        article = knowledge.publish_article(article, actor=actor, channel=channel, note=note)
    fields = ["article"]
    record.article = article
    if record.known_error_at is None:
        record.known_error_at, record.known_error_by = timezone.now(), actor
        fields += ["known_error_at", "known_error_by"]
    _save(record, fields)
    audit.record_event(record, "known_error_published", actor=actor, channel=channel,
                       changes={"article": ("", article_links.history_value(article))})
    ticket_actions.record_event(ticket, actor=actor, event=KNOWN_ERROR, channel=_ticket_channel(channel),
                                field="article", new=article_links.history_value(article))
    _announce(record, actor, "known_error_published")
    return article


# ---------------------------------------------------------------------------------------------
# Resolving


@dataclasses.dataclass
class Resolution:
    problem: ProblemRecord
    resolved: list[str]  # numbers of the tickets resolved with it (the problem's first, when it was open)
    left: list[tuple[str, str]]  # (number, why) of the open ones that could not be


@transaction.atomic
def resolve_problem(problem: ProblemRecord | Ticket | int, *, actor: User, channel: str, resolution: str,
                    resolve_incidents: bool = True, expected_version: int | None = None) -> Resolution:
    """Resolve the problem's ticket and (by default) each of its open incidents with the resolution: each
    requester gets the desk's resolution mail, with confirm and reopen (tickets.cascade, as a major incident's)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ActionError(_("Describe the resolution: every requester is asked to confirm it."))
    record = lock_problem(problem, actor, expected_version)
    if record.ticket.status not in OPEN_STATUSES:
        raise ActionError(_("This problem is resolved already."))
    tickets = [record.ticket]
    if resolve_incidents:
        tickets += list(linked_incidents(record).filter(status__in=OPEN_STATUSES).order_by("id"))
    outcome = cascade.resolve_open(tickets, actor=actor, resolution=resolution, channel=channel)
    if record.ticket.number not in outcome.resolved:
        raise ActionError(dict(outcome.left).get(record.ticket.number, _("This problem could not be resolved.")))
    note = _("resolved with it: %(numbers)s") % {"numbers": ", ".join(outcome.resolved[1:]) or "-"}
    if outcome.left:
        note += "; " + _("left open: %(numbers)s") % {"numbers": ", ".join(n for n, _why in outcome.left)}
    ticket_actions.record_event(record.ticket, actor=actor, event=RESOLVED, channel=_ticket_channel(channel),
                                note=note[:500], internal=True)
    _save(record, [])
    audit.record_event(record, "resolved", actor=actor, channel=channel, note=note[:500])
    _announce(record, actor, "resolved")
    return Resolution(record, outcome.resolved, outcome.left)
