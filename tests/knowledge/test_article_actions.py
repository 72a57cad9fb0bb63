"""The article workflow: versions, review, publish, unpublish, restore, delete, concurrency and audiences."""

import pytest

from servicedesk.accounts.models import Organisation
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed
from servicedesk.knowledge import actions, visibility
from servicedesk.knowledge.models import Article, ArticleVersion, Audience, State

CONSOLE = audit.Channel.CONSOLE


def _draft(desk, **fields):
    data = actions.ArticleInput(title=fields.pop("title", "Reset your VPN password"),
                                body=fields.pop("body", "Open the portal and choose **Reset**."), **fields)
    return actions.create_article(data, actor=desk.users["agent1"], channel=CONSOLE)


def test_every_save_is_a_version_and_restore_makes_a_new_one(desk):
    article = _draft(desk)
    assert article.current_version == 1 and article.state == State.DRAFT
    article = actions.update_article(article, actions.ArticleInput(body="Step two."), actor=desk.users["agent2"],
                                     channel=CONSOLE, expected_version=article.version)
    assert article.current_version == 2
    # Saving the same content again is no new version.
    article = actions.update_article(article, actions.ArticleInput(body="Step two."), actor=desk.users["agent2"],
                                     channel=CONSOLE)
    assert article.current_version == 2
    article = actions.restore_version(article, 1, actor=desk.users["agent1"], channel=CONSOLE)
    assert article.current_version == 3 and article.body == "Open the portal and choose **Reset**."
    assert list(ArticleVersion.objects.filter(article=article).values_list("number", flat=True)) == [3, 2, 1]
    actions_recorded = set(audit.trail(article).values_list("action", flat=True))
    assert {"created", "changed", "restored"} <= actions_recorded


def test_stale_version_is_refused(desk):
    article = _draft(desk)
    actions.update_article(article, actions.ArticleInput(title="New"), actor=desk.users["agent1"], channel=CONSOLE)
    with pytest.raises(Conflict):
        actions.update_article(article, actions.ArticleInput(title="Mine"), actor=desk.users["agent2"],
                               channel=CONSOLE, expected_version=1)


def test_review_then_publish_by_the_named_reviewer(desk):
    article = _draft(desk)
    with pytest.raises(NotAllowed):
        actions.publish_article(article, actor=desk.users["agent1"], channel=CONSOLE)
    with pytest.raises(ActionError):
        actions.submit_for_review(article, reviewer=desk.users["agent2"], actor=desk.users["agent1"], channel=CONSOLE)
    article = actions.submit_for_review(article, reviewer=desk.users["lead1"], actor=desk.users["agent1"],
                                        channel=CONSOLE)
    assert article.state == State.REVIEW and not article.is_live
    article = actions.publish_article(article, actor=desk.users["lead1"], channel=CONSOLE)
    assert article.is_live and article.live_title == article.title and article.live_version == 1
    # Editing a published article: readers keep the live copy until it is published again.
    article = actions.update_article(article, actions.ArticleInput(title="Changed"), actor=desk.users["agent1"],
                                     channel=CONSOLE)
    assert article.state == State.DRAFT and article.is_live and article.live_title == "Reset your VPN password"
    article = actions.unpublish_article(article, actor=desk.users["manager"], channel=CONSOLE)
    assert not article.is_live
    with pytest.raises(NotAllowed):
        actions.delete_article(article, actor=desk.users["lead1"], channel=CONSOLE)
    actions.delete_article(article, actor=desk.users["manager"], channel=CONSOLE)
    assert not Article.objects.filter(pk=article.pk).exists()


def _published(desk, **fields):
    return actions.publish_article(_draft(desk, **fields), actor=desk.users["manager"], channel=CONSOLE)


def test_customers_only_read_their_audience(desk):
    public = _published(desk, audience=Audience.PUBLIC)
    staff = _published(desk, audience=Audience.STAFF)
    only_a = _published(desk, organisations=[desk.users["customer1"].organisation])
    draft = _draft(desk, audience=Audience.PUBLIC)
    assert set(visibility.readable(None)) == {public}
    assert set(visibility.readable(desk.users["customer1"])) == {public, only_a}
    assert set(visibility.readable(desk.users["customer3"])) == {public}
    assert set(visibility.readable(desk.users["agent1"])) == {public, staff, only_a}
    assert draft not in visibility.readable(desk.users["agent1"])
    assert visibility.sees_working_copies(desk.users["agent1"])
    assert Organisation.objects.count() >= 2
    with pytest.raises(NotAllowed):
        _draft(type("D", (), {"users": {"agent1": desk.users["customer1"]}}))
