"""The demo desk's problem (problems.demo): three incidents in both languages linked to one open problem whose
known error is published — found by a customer searching the symptom — made through the actions, loaded once."""

import io

from django.core.management import call_command
from django.urls import reverse

from servicedesk.problems import actions
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets.models import OPEN_STATUSES
from tests.portal.test_help import client_for


def test_the_demo_has_a_problem_with_three_incidents_and_its_known_error(db):
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())  # loaded once
    record = ProblemRecord.objects.get()
    assert record.ticket.status in OPEN_STATUSES and record.root_cause and record.workaround
    incidents = list(actions.linked_incidents(record))
    assert len(incidents) == 3 and all(t.status in OPEN_STATUSES for t in incidents)
    assert record.is_known_error and record.article.is_live and record.article.language == "zh-hans"
    from servicedesk.accounts.models import User

    body = client_for(User.objects.get(username="customer1")).get(reverse("help:search"), {"q": "VPN 掉线"})
    assert reverse("help:article", args=[record.article_id]) in body.content.decode()
