"""The owners' upkeep list: poor feedback (ratio and minimum votes, latest comments), past the review-by
date, waiting for my review, the knowledge gap; "mine" and all; a gap dealt with leaves the list."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.knowledge import actions, upkeep
from servicedesk.knowledge.actions.upkeep import mark_gap_dealt_with
from servicedesk.knowledge.models import Feedback, SearchGap

from .kbdata import CONSOLE, published


def _votes(article, helpful, unhelpful, comment=""):
    for i in range(helpful + unhelpful):
        Feedback.objects.create(article=article, session_key=f"s{article.pk}-{i}", helpful=i < helpful,
                                comment=comment if i >= helpful else "",
                                created_at=timezone.now() + datetime.timedelta(seconds=i))


def test_poor_feedback_needs_enough_votes_under_the_ratio(desk, settings):
    settings.SERVICEDESK_KB_POOR_RATIO, settings.SERVICEDESK_KB_POOR_MIN_VOTES = 0.5, 4
    poor = published(desk, title="Poor")
    few = published(desk, title="Few votes")
    fine = published(desk, title="Fine")
    _votes(poor, 1, 4, comment="Did not work on Windows")
    _votes(few, 0, 3)
    _votes(fine, 3, 2)
    found = upkeep.poor_feedback(desk.agent1, mine=False)
    assert [p.article for p in found] == [poor]
    assert (found[0].votes, found[0].helpful, found[0].ratio) == (5, 1, 0.2)
    assert [f.comment for f in found[0].comments] == ["Did not work on Windows"] * upkeep.COMMENTS_PER_ARTICLE


def test_review_dates_reviews_gaps_and_mine(desk):
    today = timezone.localdate()
    mine = published(desk, title="Mine overdue")
    actions.update_article(mine, actions.ArticleInput(review_by=today - datetime.timedelta(days=1)),
                           actor=desk.agent1, channel=CONSOLE)
    theirs = actions.create_article(actions.ArticleInput(title="Theirs", body="x", owner=desk.agent2,
                                                         review_by=today - datetime.timedelta(days=3)),
                                    actor=desk.agent2, channel=CONSOLE)
    actions.create_article(actions.ArticleInput(title="Not yet", body="x", review_by=today), actor=desk.agent1,
                           channel=CONSOLE)
    actions.submit_for_review(theirs, reviewer=desk.lead1, actor=desk.agent2, channel=CONSOLE)
    SearchGap.objects.create(query="蓝屏", key="蓝屏", count=2)
    SearchGap.objects.create(query="vpn token", key="token vpn", count=9)
    SearchGap.objects.create(query="old", key="old", count=50, resolved=True)
    everyone = upkeep.upkeep(desk.agent1, mine=False, today=today)
    assert [a.title for a in everyone.overdue] == ["Theirs", "Mine overdue"]
    assert [a.title for a in upkeep.upkeep(desk.agent1, mine=True, today=today).overdue] == ["Mine overdue"]
    assert everyone.waiting == []
    assert [a.title for a in upkeep.upkeep(desk.lead1, mine=True).waiting] == ["Theirs"]
    assert [g.query for g in everyone.gaps] == ["vpn token", "蓝屏"]


def test_a_gap_dealt_with_leaves_the_list_with_an_audit_row(desk):
    gap = SearchGap.objects.create(query="蓝屏", key="蓝屏", count=2)
    with pytest.raises(NotAllowed):
        mark_gap_dealt_with(gap, actor=desk.customer1, channel=CONSOLE)
    mark_gap_dealt_with(gap, actor=desk.agent1, channel=CONSOLE)
    assert upkeep.upkeep(desk.agent1, mine=False).gaps == []
    assert audit.trail(gap).filter(actor_id=desk.agent1.pk).exists()
    with pytest.raises(ActionError):
        mark_gap_dealt_with(gap.pk, actor=desk.agent1, channel=CONSOLE)


def test_the_lists_take_a_constant_number_of_queries(desk, django_assert_max_num_queries):
    for i in range(6):
        article = published(desk, title=f"Poor {i}")
        _votes(article, 0, 6, comment=f"bad {i}")
    with django_assert_max_num_queries(5):
        result = upkeep.upkeep(desk.agent1, mine=False)
        assert len(result.poor) == 6 and all(p.article.owner.username for p in result.poor)
