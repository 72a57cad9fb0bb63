"""Templates: the shipped defaults render, administrators' overrides are used, and a template that
cannot render is refused with a clear error."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from servicedesk.notify import sending
from servicedesk.notify.models import Event, NotificationTemplate, OutboundMessage, State
from servicedesk.notify.rendering import validate_template
from servicedesk.tickets import actions

from .conftest import parts, subject


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("event", Event.values)
def test_every_shipped_default_renders_with_every_variable_known(db, event, language):
    from django.template import engines

    from servicedesk.notify.rendering import default_names

    sources = [engines["django"].engine.get_template(name).source for name in default_names(event, language)]
    assert validate_template(event, language, *sources) == {}


def test_an_override_in_the_admin_is_used_for_its_language_only(desk, smtp_sink, committed):
    admin = Client()
    admin.force_login(desk.admin)
    form = admin.get("/admin/notify/notificationtemplate/add/?event=acknowledgement&language=en")
    assert "We have received your request" in form.content.decode()  # starts from the shipped default
    response = admin.post("/admin/notify/notificationtemplate/add/", {
        "event": "acknowledgement", "language": "en", "is_active": "on",
        "subject": "Thanks, {{ recipient.name }}: {{ ticket.title }}",
        "body_text": "Ticket {{ ticket.number }} logged. Answer due {{ response_due }}.\nSee {{ ticket.url }}",
        "body_html": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    committed(actions.create_ticket, actor=desk.customer1, title="屏幕闪烁")
    english, chinese = smtp_sink.messages
    assert subject(english).startswith("Thanks, Grace Hopper: Screen flickers [SD-")  # the number is added
    text, html = parts(english)
    assert text.startswith("Ticket SD-") and "Answer due" in text
    assert "<p>Ticket SD-" in html and 'href="http://127.0.0.1:8000/portal/requests/' in html  # desk layout
    assert subject(chinese).startswith("我们已受理您的请求")  # the Chinese default is unchanged

    NotificationTemplate.objects.update(is_active=False)
    smtp_sink.clear()
    committed(actions.create_ticket, actor=desk.customer2, title="Keyboard")
    assert subject(smtp_sink.messages[0]).startswith("We have received your request")


def test_a_template_that_cannot_be_read_is_refused_in_the_admin(desk):
    admin = Client()
    admin.force_login(desk.admin)
    response = admin.post("/admin/notify/notificationtemplate/add/", {
        "event": "resolved", "language": "zh-hans", "is_active": "on",
        "subject": "已解决 {{ ticket.number }}",
        "body_text": "{% if confirm_url %}请确认：{{ confirm_url }}",
        "body_html": "",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "This template cannot be read" in page and "endif" in page
    assert not NotificationTemplate.objects.exists()


def test_unknown_variables_and_failing_filters_are_refused_on_save(db):
    template = NotificationTemplate(event=Event.STATUS_CHANGED, language="en",
                                    subject="{{ ticket.number }} {{ ticket.colour }}",
                                    body_text="{{ status_change.new|date:'Y' }} {{ requester_phone }}")
    with pytest.raises(ValidationError) as refused:
        template.save()
    errors = refused.value.message_dict
    assert "Unknown variables: ticket.colour" in errors["subject"][0]
    assert "status_change" in errors["subject"][0]  # lists what the event offers
    assert "requester_phone" in errors["body_text"][0]
    assert not NotificationTemplate.objects.exists()

    broken_html = NotificationTemplate(event=Event.STATUS_CHANGED, language="en", subject="{{ ticket.number }}",
                                       body_text="ok", body_html="{% extends 'notify/email/missing.html' %}")
    with pytest.raises(ValidationError) as refused:
        broken_html.full_clean()
    assert "missing.html" in str(refused.value.message_dict["body_html"][0])

    empty = NotificationTemplate(event=Event.STATUS_CHANGED, language="en", subject=" ", body_text="ok")
    with pytest.raises(ValidationError) as refused:
        empty.save()
    assert refused.value.message_dict["subject"] == ["This part cannot be empty."]


def test_a_valid_override_saves(db):
    template = NotificationTemplate(
        event=Event.SLA_BREACH, language="zh-hans", subject="超时 {{ ticket.number }}",
        body_text="{{ sla.target }} {{ sla.due }}",
        body_html='{% extends "notify/email/base.html" %}{% block content %}{{ sla.percent }}%{% endblock %}',
    )
    template.save()
    assert NotificationTemplate.objects.get().subject == "超时 {{ ticket.number }}"


def test_a_template_broken_behind_the_admins_back_is_recorded_as_failed(desk, smtp_sink, committed):
    NotificationTemplate.objects.create(event=Event.ACKNOWLEDGEMENT, language="en", subject="Got it",
                                        body_text="{{ ticket.number }}")
    # Edited in the database directly, so the check on save never saw it.
    NotificationTemplate.objects.update(body_text="{% if ticket.number %}unclosed")
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    [row] = OutboundMessage.objects.filter(ticket=ticket)
    assert row.state == State.FAILED
    assert "could not be written" in row.last_error and "endif" in row.last_error
    assert smtp_sink.messages == []
    assert sending.requeue(OutboundMessage.objects.all()) == 0  # nothing to send until it is fixed
