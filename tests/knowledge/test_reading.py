"""Readers' actions: views counted once a day, one vote per reader, solved, suggested opens, audiences."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.core.errors import ActionError, NotFound
from servicedesk.knowledge.actions import reading
from servicedesk.knowledge.models import ArticleEvent, Audience, EventKind, Feedback
from servicedesk.tickets import actions as ticket_actions

from .self_service import published, reader

DRAFT = "draft-key-0123456789ab"


def test_a_view_is_counted_once_per_reader_article_and_day(desk, django_assert_max_num_queries):
    article = published(desk, audience=Audience.PUBLIC)
    someone = reader(desk, "customer1")
    with django_assert_max_num_queries(1):
        assert reading.record_view(article, someone)
    assert not reading.record_view(article, someone)
    assert reading.record_view(article, reader(desk, "customer2"))
    assert reading.record_view(article, reader(desk))
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert reading.record_view(article, someone, now=tomorrow)
    assert ArticleEvent.objects.filter(article=article, kind=EventKind.VIEW).count() == 4


def test_one_vote_per_reader_a_later_one_replaces_it(desk):
    article = published(desk, audience=Audience.PUBLIC)
    reading.give_feedback(article, reader(desk, "customer1"), helpful=False, comment="Too short")
    reading.give_feedback(article, reader(desk, "customer1"), helpful=True)
    reading.give_feedback(article, reader(desk, session_key="anon-session-1"), helpful=False)
    reading.give_feedback(article, reader(desk, session_key="anon-session-1"), helpful=True, comment="ok")
    reading.give_feedback(article, reader(desk, session_key="anon-session-2"), helpful=False)
    votes = sorted(Feedback.objects.filter(article=article).values_list("helpful", "comment"))
    assert votes == [(False, ""), (True, ""), (True, "ok")]
    with pytest.raises(ActionError):
        reading.give_feedback(article, reader(desk), helpful=True)  # no session: cannot be told apart
    with pytest.raises(ActionError):
        reading.give_feedback(article, reader(desk, "customer1"), helpful=True, comment="x" * 2001)


def test_readers_act_only_on_articles_they_may_read(desk):
    staff_only = published(desk, audience=Audience.STAFF)
    other_org = published(desk, organisations=[desk.users["customer3"].organisation])
    customers = published(desk)
    for article in (staff_only, other_org):
        with pytest.raises(NotFound):
            reading.give_feedback(article, reader(desk, "customer1"), helpful=True)
        with pytest.raises(NotFound):
            reading.mark_solved(article, reader(desk, "customer1"))
    with pytest.raises(NotFound):
        reading.give_feedback(customers, reader(desk, session_key="anon-session-1"), helpful=True)
    assert reading.mark_solved(customers, reader(desk, "customer1"))
    assert not reading.mark_solved(customers, reader(desk, "customer1"))
    assert not Feedback.objects.exists()


def test_suggested_opens_are_tied_to_the_request_sent(desk):
    article = published(desk)
    customer = reader(desk, "customer1")
    assert reading.record_suggestion_open(article, customer, DRAFT)
    assert not reading.record_suggestion_open(article, customer, DRAFT)
    assert not reading.record_suggestion_open(article, customer, "bad key!")
    ticket = ticket_actions.create_ticket(actor=desk.users["customer1"], title="VPN")
    assert reading.record_draft_submitted(DRAFT, ticket) == 1
    assert ArticleEvent.objects.get(kind=EventKind.SUGGESTED).ticket == ticket
    assert reading.record_draft_submitted("x", ticket) == 0
