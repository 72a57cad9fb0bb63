"""Every mail about one ticket shows the same ticket summary, from one include per language and format."""

import pytest
from django.template import Context, engines
from django.utils import translation

from servicedesk.notify.context import sample_context
from servicedesk.notify.models import Event
from servicedesk.notify.rendering import default_names, render

pytestmark = pytest.mark.django_db

TICKET_EVENTS = [event for event in Event.values if event not in (Event.FOLLOW_UP_DIGEST, Event.ANNOUNCEMENT)]
LABELS = {"en": {"priority": "Priority: ", "contact": "Contact: "},
          "zh-hans": {"priority": "优先级：", "contact": "联系方式："}}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("event", TICKET_EVENTS)
def test_every_ticket_mail_renders_the_one_summary(event, language):
    with translation.override(language):
        context = sample_context(event)
    rendered = render(event, language, context, "Asia/Shanghai", overrides={})
    engine = engines["django"].engine
    _subject, text_name, html_name = default_names(event, language)
    solved = event == Event.SOLVED_ON_CONTACT
    for name, body, autoescape in ((text_name, rendered.text, False), (html_name, rendered.html, True)):
        include = f"notify/email/{language}/ticket_summary.{name.rsplit('.', 1)[1]}"
        assert engine.get_template(name).source.count(f'{{% include "{include}"') == 1, name
        summary = engine.get_template(include).render(
            Context({**context, "solved_on_contact": solved}, autoescape=autoescape))
        assert context["ticket"]["number"] in summary and context["ticket"]["title"] in summary
        assert summary in body, name
    labels = LABELS[language]
    if solved:  # a contact solved on the spot: how the customer reached the desk, not a priority
        assert f"{labels['contact']}{context['channel']}" in rendered.text
        assert labels["priority"] not in rendered.text
    else:
        assert f"{labels['priority']}{context['ticket']['priority']}" in rendered.text
