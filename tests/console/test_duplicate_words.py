"""Possible duplicates are matched on the search's own tokens (one tokenizer for the desk)."""

import pytest
from django.urls import reverse

from servicedesk.console.ticket_timeline import STOPWORDS, title_tokens
from servicedesk.search.tokens import tokenize
from servicedesk.tickets.models import Status

from .ticketing import make_ticket


@pytest.mark.parametrize("title", ["打印机无法打印", "VPN连接失败，提示认证错误", "Café Wi-Fi drops",
                                   "Server CPU at 100% since 10.0.0.1 moved", "Please reset my password"])
def test_a_titles_words_are_its_search_tokens_of_two_characters_or_more(title):
    expected = {token for token in tokenize(title) if len(token) >= 2 and token not in STOPWORDS}
    assert title_tokens(title) == expected


def test_duplicates_share_whole_words_as_the_search_finds_them(client, desk):
    ticket = make_ticket(desk, Status.NEW, title="Café printer jams")
    similar = make_ticket(desk, Status.NEW, title="Wi-Fi in the café drops")
    client.force_login(desk.agent1)
    html = client.get(reverse("console:ticket", args=[ticket.number]) + "duplicates/").content.decode()
    section = html[html.index("Possible duplicates"):]
    assert similar.number in section and "café" in section and "caf<" not in section
