"""POST /api/v1/tickets/{id}/survey: the requester rates the current resolution (confirming a ticket that waits for
it), once; the ticket's detail shows its survey answers to staff and to the requester."""

from servicedesk.accounts.models import Organisation
from servicedesk.surveys.models import SurveyResponse
from servicedesk.tickets.models import Status

from .conftest import resolve


def test_the_requester_rates_through_the_api_and_staff_read_it_in_the_detail(desk, ticket, api, committed):
    committed(resolve, ticket, desk.agent1)
    answer = api("customer2").post(f"tickets/{ticket.pk}/survey", {"rating": 4, "comment": "Good"})
    assert answer.status_code == 200, answer.json_body
    assert {k: answer.json_body[k] for k in ("resolution", "rating", "comment", "channel", "follow_up")} == {
        "resolution": 1, "rating": 4, "comment": "Good", "channel": "api", "follow_up": None}
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    detail = api("agent1").get(f"tickets/{ticket.pk}").json_body
    assert [(s["resolution"], s["rating"], s["comment"]) for s in detail["surveys"]] == [(1, 4, "Good")]
    assert api("customer2").get(f"tickets/{ticket.pk}").json_body["surveys"][0]["rating"] == 4
    # A colleague of an organisation whose customers see each other's tickets reads the ticket, not the rating.
    Organisation.objects.update(customers_see_organisation_tickets=True)
    assert api("customer1").get(f"tickets/{ticket.pk}").json_body["surveys"] == []


def test_bad_and_repeated_answers_get_a_message(desk, ticket, api, committed):
    customer = api("customer2")
    early = customer.post(f"tickets/{ticket.pk}/survey", {"rating": 4})
    assert early.status_code == 400 and "has not been resolved yet" in early.json_body["message"]
    committed(resolve, ticket, desk.agent1)
    bad = customer.post(f"tickets/{ticket.pk}/survey", {"rating": 6})
    assert bad.status_code == 400
    assert bad.json_body == {"message": "Choose a rating from 1 (very dissatisfied) to 5 (very satisfied)."}
    assert customer.post(f"tickets/{ticket.pk}/survey", {"rating": 2}).status_code == 200
    again = customer.post(f"tickets/{ticket.pk}/survey", {"rating": 5})
    assert again.status_code == 409 and "already been rated" in again.json_body["message"]
    staff = api("agent1").post(f"tickets/{ticket.pk}/survey", {"rating": 5})
    assert staff.status_code == 403
    assert SurveyResponse.objects.get(ticket=ticket).rating == 2
