"""Helpers for the knowledge tests of tickets and articles: articles published through the actions."""

from servicedesk.core import audit
from servicedesk.knowledge import actions
from servicedesk.knowledge.models import Audience

CONSOLE = audit.Channel.CONSOLE


def published(desk, title="Reset your VPN password", body="Open the portal and choose **Reset**.",
              audience=Audience.PUBLIC, **fields):
    article = actions.create_article(actions.ArticleInput(title=title, body=body, audience=audience, **fields),
                                     actor=desk.agent1, channel=CONSOLE)
    return actions.publish_article(article, actor=desk.manager, channel=CONSOLE)
