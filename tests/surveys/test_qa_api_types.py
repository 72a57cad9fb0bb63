"""A rating of the wrong JSON type is refused: `true` is not "1, very dissatisfied" (which would notify the owner
and the group lead of a low rating and pull the desk's satisfaction down), nor is 4.0 or "4"."""

import pytest

from servicedesk.surveys.models import SurveyResponse

from .conftest import resolve


@pytest.mark.parametrize("rating", [True, False, 4.0, "4", None, [4]])
def test_a_rating_that_is_not_a_json_integer_is_a_422(desk, ticket, api, committed, rating):
    committed(resolve, ticket, desk.agent1)
    answer = api("customer2").post(f"tickets/{ticket.pk}/survey", {"rating": rating})
    assert answer.status_code == 422, answer.json_body
    assert answer.json_body["message"]
    assert not SurveyResponse.objects.filter(ticket=ticket, rating__isnull=False).exists()
