"""Published articles for the self-service tests (reading, ranking, the portal's help centre, its API)."""

from servicedesk.core import audit
from servicedesk.knowledge import actions
from servicedesk.knowledge.actions.reading import Reader


def published(desk, title="Reset your VPN password", body="Open the portal and choose **Reset**.", **fields):
    data = actions.ArticleInput(title=title, body=body, **fields)
    article = actions.create_article(data, actor=desk.users["agent1"], channel=audit.Channel.CONSOLE)
    return actions.publish_article(article, actor=desk.users["manager"], channel=audit.Channel.CONSOLE)


def reader(desk, username=None, session_key=""):
    return Reader(user=desk.users[username] if username else None, session_key=session_key, address="127.0.0.9")
