"""The demo desk's survey answers (`servicedesk demo`, with the tickets): each resolution the demo's customers were
asked to confirm is surveyed as of its time, and most confirmed ones are rated a few minutes after the confirmation
(some low, with a comment), so the dashboard's satisfaction figures have something to show. Built through the
actions, at the demo's own times."""

from __future__ import annotations

import datetime
import re

from servicedesk.tickets.demo import _clock
from servicedesk.tickets.models import Channel, HistoryEntry, Status, Ticket

from . import actions
from .models import SurveyResponse

AFTER = ("tickets",)

# (rating, comment in English, comment in Chinese), taken in turn; every fourth confirmed ticket is left unrated.
ANSWERS = [
    (5, "Quick and friendly, thank you!", "处理很快，态度也好，谢谢！"),
    (4, "", ""),
    (5, "", ""),
    (2, "It took three days before anyone looked at it.", "等了三天才有人处理。"),
    (4, "Fine now.", "现在正常了。"),
    (5, "", ""),
    (3, "Solved, but I had to ask twice.", "解决了，但我问了两次。"),
    (1, "The printer still jams every morning.", "打印机每天早上还是卡纸。"),
]
SKIP_EVERY = 4
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def load(demo) -> None:
    if not demo.full or SurveyResponse.objects.exists():
        return
    resolutions: dict[int, list[datetime.datetime]] = {}
    for ticket_id, at in (HistoryEntry.objects.filter(field="status", new_value=Status.RESOLVED)
                          .order_by("ticket_id", "version").values_list("ticket_id", "at")):
        resolutions.setdefault(ticket_id, []).append(at)
    confirmed = dict(HistoryEntry.objects.filter(event="confirm", field="status").values_list("ticket_id", "at"))
    turn = 0
    for ticket in Ticket.objects.filter(pk__in=resolutions).select_related("requester").order_by("resolved_at", "id"):
        if ticket.requester.is_system_identity:
            continue
        times = resolutions[ticket.pk]
        if ticket.closed_at is not None and ticket.resolved_at is not None and \
                ticket.closed_at - ticket.resolved_at < datetime.timedelta(minutes=1):
            continue  # solved on the spot: the caller was not asked
        for number, at in enumerate(times, start=1):
            actions.record_asked(ticket, number, at)
        if ticket.status != Status.CLOSED or ticket.pk not in confirmed:
            continue
        turn += 1
        if turn % SKIP_EVERY == 0:
            continue
        rating, comment_en, comment_zh = ANSWERS[turn % len(ANSWERS)]
        comment = comment_zh if _CHINESE.search(ticket.title) else comment_en  # as the requester wrote
        with _clock(confirmed[ticket.pk] + datetime.timedelta(minutes=3 + turn % 7)):
            actions.answer(ticket, actor=ticket.requester, rating=rating, comment=comment,
                           channel=Channel.EMAIL if turn % 2 else Channel.PORTAL)
