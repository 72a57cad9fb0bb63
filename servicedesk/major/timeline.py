"""The timeline of a major incident for the post-incident review: declarations, pages sent, acknowledgements,
escalations, related incidents linked, the service notice, the major ticket's comments, and the resolution or
stand-down, in order with their times. Read from the records themselves (the audit trail, the pages, the
ticket's history and comments, the notice); shown on the console's page, in the API, and downloaded as
Markdown or CSV. For desk staff: internal notes are part of the review."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core import audit
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Comment, HistoryEntry, Ticket

from .models import ContactChannel, MajorIncident, Page


@dataclass(frozen=True)
class Moment:
    at: datetime.datetime
    kind: str  # declared, page, acknowledged, escalated, linked, unlinked, notice, comment, resolved, stood_down
    text: str
    who: str = ""


def _channel(page: Page) -> str:
    return str(ContactChannel(page.channel).label)


def _audit_moments(major: MajorIncident) -> list[Moment]:
    texts = {
        "declared": _("Declared a major incident: %(note)s"),
        "stood_down": _("Stood down: %(note)s"),
        "resolved": _("Resolved the major incident (%(note)s)"),
        "escalated": _("Escalated: %(note)s"),
    }
    found = []
    for entry in audit.trail(major).filter(action__in=texts).select_related("actor").order_by("at", "id"):
        who = entry.actor.display_name if entry.actor is not None else entry.actor_name
        found.append(Moment(entry.at, entry.action, texts[entry.action] % {"note": entry.note}, who))
    return found


def _page_moments(major: MajorIncident) -> list[Moment]:
    found = []
    for page in major.pages.select_related("acknowledged_by").order_by("sent_at", "id"):
        where = page.phone if page.channel == ContactChannel.PHONE else page.address
        found.append(Moment(page.sent_at, "page", _("Paged %(name)s by %(channel)s (%(where)s), to acknowledge "
                                                     "within %(minutes)s minutes") % {
            "name": page.name, "channel": _channel(page), "where": where or "-",
            "minutes": int((page.due_at - page.sent_at).total_seconds() // 60)}))
        if page.acknowledged_at:
            by = page.acknowledged_by.display_name if page.acknowledged_by else page.name
            found.append(Moment(page.acknowledged_at, "acknowledged", _("%(name)s acknowledged (through %(via)s)") % {
                "name": page.name, "via": page.get_acknowledged_via_display()}, by))
        if page.escalated_at:
            found.append(Moment(page.escalated_at, "escalated", _("%(name)s did not acknowledge in time") % {
                "name": page.name}))
    return found


def _link_moments(major: MajorIncident, viewer) -> list[Moment]:
    entries = (HistoryEntry.objects.filter(ticket_id=major.ticket_id, event__in=("linked_from", "unlinked"),
                                           at__gte=major.declared_at)
               .select_related("actor").order_by("at", "id"))
    numbers = {(e.new_value or e.old_value).partition(" ")[2] for e in entries}
    visible = {t.number for t in Ticket.objects.filter(number__in=numbers) if permissions.can_see(viewer, t)}
    found = []
    for entry in entries:
        number = (entry.new_value or entry.old_value).partition(" ")[2]
        if number not in visible:
            number = _("a ticket you cannot see")
        text = (_("Linked the related incident %(number)s") if entry.event == "linked_from"
                else _("Removed the link to %(number)s")) % {"number": number}
        found.append(Moment(entry.at, "linked" if entry.event == "linked_from" else "unlinked", text,
                            entry.actor.display_name if entry.actor else ""))
    return found


def _notice_moments(major: MajorIncident) -> list[Moment]:
    notice = major.announcement
    if notice is None:
        return []
    found = [Moment(notice.created_at, "notice", _("Published the service notice “%(title)s”") % {
        "title": notice.shown_title()}, notice.created_by.display_name)]
    if notice.ends_at and notice.ends_at <= timezone.now():
        found.append(Moment(notice.ends_at, "notice", _("The service notice ended")))
    return found


def _comment_moments(major: MajorIncident) -> list[Moment]:
    comments = Comment.objects.filter(ticket_id=major.ticket_id, created_at__gte=major.declared_at).select_related(
        "author").order_by("created_at", "id")
    return [Moment(c.created_at, "comment",
                   (_("Internal note: %(body)s") if c.internal else _("Public reply: %(body)s")) % {"body": c.body},
                   c.author.display_name) for c in comments]


def moments(major: MajorIncident, viewer) -> list[Moment]:
    """Everything of the incident in time order (ties: as listed in the module's docstring)."""
    every = [*_audit_moments(major), *_page_moments(major), *_link_moments(major, viewer),
             *_notice_moments(major), *_comment_moments(major)]
    return sorted(every, key=lambda m: m.at)


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def as_markdown(major: MajorIncident, viewer) -> str:
    ticket = major.ticket
    lines = [f"# {_('Major incident')} {ticket.number}: {ticket.title}", "",
             f"- {_('State')}: {major.get_state_display()}",
             f"- {_('Declared by')}: {major.declared_by.display_name}, {_local(major.declared_at)}",
             f"- {_('Reason')}: {major.reason}"]
    if major.ended_at:
        lines.append(f"- {_('Ended')}: {_local(major.ended_at)} ({major.end_note})")
    lines += ["", f"## {_('Timeline')}", "", f"| {_('Time')} | {_('Who')} | {_('What')} |", "| --- | --- | --- |"]
    for m in moments(major, viewer):
        text = " ".join(m.text.split()).replace("|", "\\|")
        lines.append(f"| {_local(m.at)} | {m.who.replace('|', '/')} | {text} |")
    return "\n".join(lines) + "\n"


def as_csv(major: MajorIncident, viewer) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time_utc", "kind", "who", "what"])
    for m in moments(major, viewer):
        writer.writerow([m.at.astimezone(datetime.UTC).isoformat(), m.kind, _safe_cell(m.who), _safe_cell(m.text)])
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (text typed by people: comments, reasons)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
