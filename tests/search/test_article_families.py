"""An article and its translation are one answer: a search lists the family once, in the reader's language
when that member matched too, in the place of the better-ranked of the two."""

from servicedesk.core import audit
from servicedesk.knowledge import actions
from servicedesk.knowledge.models import Audience, Language

from .test_articles import ids, publish

CONSOLE = audit.Channel.CONSOLE


def _translation(desk, original, title, body, language):
    article = actions.create_article(
        actions.ArticleInput(title=title, body=body, audience=Audience.PUBLIC, language=language,
                             translation_of=original),
        actor=desk.users["agent1"], channel=CONSOLE)
    return actions.publish_article(article, actor=desk.users["manager"], channel=CONSOLE)


def test_a_family_is_listed_once_in_the_readers_language(desk):
    english = publish(desk, "Printer jams", "Open the printer's front cover and take the paper out.")
    chinese = _translation(desk, english, "打印机卡纸 printer", "打开打印机前盖，取出卡住的纸张。printer", Language.ZH)
    other = publish(desk, "Printer driver installation", "Install the printer driver from the portal.")
    customer = desk.users["customer1"]
    for language, member in (("en", english), ("zh-hans", chinese)):
        found = ids("printer", customer, language=language)
        assert member.pk in found and other.pk in found
        assert len(found) == 2, found
    # Without a reader's language the better-ranked member stays.
    assert len(ids("printer", customer)) == 2
    # A family member that did not match is not brought in: the English query finds the English one only.
    assert ids("driver", customer, language="zh-hans") == [other.pk]
