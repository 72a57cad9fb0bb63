"""The dynamic FAQ's ranking and the deflection figures, on hand-built data."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from servicedesk.knowledge import ranking
from servicedesk.knowledge.actions import reading
from servicedesk.knowledge.models import Article, ArticleEvent, Audience, EventKind, Feedback, TicketArticle
from servicedesk.tickets import actions as ticket_actions

from .self_service import published, reader

WINDOW = datetime.timedelta(minutes=30)


def _events(article, kind, n, when, draft=""):
    ArticleEvent.objects.bulk_create(ArticleEvent(article=article, kind=kind, created_at=when, draft=draft)
                                     for _ in range(n))


def test_popularity_weighs_views_votes_deflections_and_links(desk):
    now = timezone.now()
    a, b, c, d = (published(desk, title=t) for t in ("A", "B", "C", "D"))
    _events(a, EventKind.VIEW, 10, now)                  # 10
    _events(b, EventKind.VIEW, 2, now)                   # 2 + 2 deflections (10) + 1 solved (5) = 17
    _events(b, EventKind.DEFLECTION, 2, now)
    _events(b, EventKind.SOLVED, 1, now)
    _events(c, EventKind.VIEW, 40, now - datetime.timedelta(days=31))  # outside the window: 0 ...
    ticket = ticket_actions.create_ticket(actor=desk.users["customer1"], title="VPN")
    TicketArticle.objects.create(ticket=ticket, article=c, linked_by=desk.users["agent1"])  # ... + 4
    for i, helpful in enumerate([True, True, False]):  # d: 3 × (2 − 1) = 3
        Feedback.objects.create(article=d, session_key=f"s{i}", helpful=helpful)
    gone = published(desk, title="Gone")
    Article.objects.filter(pk=gone.pk).update(is_live=False, popularity=99)
    assert ranking.refresh_popularity() == 5
    scores = dict(Article.objects.values_list("title", "popularity"))
    assert scores == {"A": 10.0, "B": 17.0, "C": 4.0, "D": 3.0, "Gone": 0.0}
    assert [x.title for x in ranking.faq(desk.users["customer1"])] == ["B", "A", "C", "D"]


def test_faq_keeps_the_readers_audience_and_language(desk):
    public = published(desk, title="Public", audience=Audience.PUBLIC)
    published(desk, title="Staff", audience=Audience.STAFF)
    published(desk, title="Other org", organisations=[desk.users["customer3"].organisation])
    english = published(desk, title="Printer (en)")
    chinese = published(desk, title="打印机", language="zh-hans", translation_of=english)
    Article.objects.filter(pk=public.pk).update(popularity=5)
    Article.objects.filter(pk__in=[english.pk, chinese.pk]).update(popularity=3)
    assert [a.title for a in ranking.faq(None)] == ["Public"]
    assert [a.title for a in ranking.faq(desk.users["customer1"], language="zh-hans")] == ["Public", "打印机"]
    assert [a.title for a in ranking.faq(desk.users["customer1"], language="en")] == ["Public", "Printer (en)"]
    assert "Staff" in [a.title for a in ranking.faq(desk.users["agent1"])]


def test_an_unsent_draft_is_one_deflection_after_the_window(desk):
    first, second, sent_one = (published(desk, title=t) for t in ("First", "Second", "Sent"))
    customer = reader(desk, "customer1")
    start = timezone.now()
    reading.record_suggestion_open(first, customer, "left-draft-0000000001", now=start)
    reading.record_suggestion_open(second, customer, "left-draft-0000000001", now=start + datetime.timedelta(minutes=2))
    reading.record_suggestion_open(sent_one, customer, "sent-draft-0000000001", now=start)
    ticket = ticket_actions.create_ticket(actor=desk.users["customer1"], title="VPN")
    reading.record_draft_submitted("sent-draft-0000000001", ticket)
    reading.record_suggestion_open(first, customer, "solved-draft-00000001", now=start)
    reading.mark_solved(first, customer, draft="solved-draft-00000001")

    assert ranking.count_deflections(now=start + datetime.timedelta(minutes=31)) == 0  # the last open is recent
    assert ranking.count_deflections(now=start + datetime.timedelta(minutes=33)) == 1
    assert ranking.count_deflections(now=start + datetime.timedelta(minutes=60)) == 0  # idempotent
    deflection = ArticleEvent.objects.get(kind=EventKind.DEFLECTION)
    assert deflection.article == second and deflection.draft == "left-draft-0000000001"

    figures = ranking.deflections(start - datetime.timedelta(hours=1), timezone.now() + datetime.timedelta(hours=1))
    assert figures == {"total": 2, "by_article": {second.pk: 1, first.pk: 1}}
    assert ranking.deflections(start + datetime.timedelta(hours=2), start + datetime.timedelta(hours=3))["total"] == 0


def test_the_command_counts_and_ranks_on_demand(desk):
    article = published(desk, title="VPN")
    start = timezone.now()
    reading.record_suggestion_open(article, reader(desk, "customer1"), "left-draft-0000000002", now=start)
    out = io.StringIO()
    later = (start + datetime.timedelta(minutes=31)).isoformat()
    call_command("rank-articles", now=later, stdout=out)
    assert out.getvalue().strip() == "1 deflection(s) counted, 1 article(s) ranked."
    assert Article.objects.get(pk=article.pk).popularity == 5.0
    with pytest.raises(CommandError):
        call_command("rank-articles", now="2026-12-07T10:00:00")
    with pytest.raises(CommandError):
        call_command("rank-articles", window_days=0)
