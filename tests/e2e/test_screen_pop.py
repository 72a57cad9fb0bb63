"""The screen pop: a CTI `answered` event for the signed-in agent pops the caller's screen on the console page
they are on, and its quick-log button opens the form with the caller chosen and the call linked."""

import datetime
import json
import urllib.request

import pytest
from django.utils import timezone

from servicedesk.core import signing
from servicedesk.telephony.models import Call

from .conftest import screenshot, translated

SECRET = "e2e-cti-secret"


def post_event(base_url: str, payload: dict) -> dict:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(f"{base_url}/api/v1/telephony/events", data=body, method="POST", headers={
        "Content-Type": "application/json", signing.HEADER: signing.header(SECRET, body)})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_answered_call_pops_the_callers_screen(sign_in, e2e_desk, settings, language):
    settings.SERVICEDESK_CTI_SECRETS = [SECRET]
    caller = e2e_desk["customer2"]
    caller.phone = "139-1234-5678"
    caller.save()
    page = sign_in("agent1", language)
    page.goto(f"{page.base_url}/console/queues/recent/")
    assert page.locator(".screen-pop").count() == 0

    moment = timezone.now() - datetime.timedelta(seconds=5)
    post_event(page.base_url, {"event": "offered", "event_id": f"{language}-1", "call_id": f"call-{language}",
                               "timestamp": moment.isoformat(), "caller": "+86 139 1234 5678",
                               "queue": "Service Desk (1st line)"})
    answered = post_event(page.base_url, {"event": "answered", "event_id": f"{language}-2",
                                          "call_id": f"call-{language}", "timestamp": timezone.now().isoformat(),
                                          "agent": "agent1"})
    pop = page.locator(".screen-pop")
    pop.wait_for(timeout=10000)  # polled every 3 seconds
    assert caller.display_name in pop.inner_text()
    assert translated(language, "Call answered:") in pop.inner_text()
    screenshot(page, f"console-screen-pop-{language}")

    pop.locator(".call-quick-log").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/console/quick-log/?call={answered['call']}")
    assert page.locator(f"#caller-results input[name=requester][value='{caller.pk}']").is_checked()
    assert page.locator("input[name=call]").input_value() == str(answered["call"])
    page.fill("#id_title", "Printer offline")
    page.check("input[name=outcome][value=route]")
    page.locator(".ql-outcome button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    call = Call.objects.select_related("ticket").get(pk=answered["call"])
    assert call.ticket is not None and page.url.endswith(f"/console/tickets/{call.ticket.number}/")

    page.goto(f"{page.base_url}/console/calls/")
    row = page.locator(f"tr[data-call='{call.pk}']")
    assert call.ticket.number in row.inner_text()
    assert page.locator("[data-figure=offered]").inner_text() == "1"
    assert translated(language, "Abandoned-call rate") in page.locator(".call-figures").inner_text()
    screenshot(page, f"console-calls-{language}")
    row.locator("a").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert translated(language, "Events from the phone system") in page.content()
    screenshot(page, f"console-call-{language}")
