"""`core.rows.select_related` and the reads built on it: what the ORM's select_related reads, in one statement."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.accounts.models import ApiToken, Desk, User
from servicedesk.core import rows
from servicedesk.tickets.models import Ticket


def _quoted(model, column: str) -> str:
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)}.{quote(column)}"


def _ticket(desk, number: str, requester) -> Ticket:
    now = timezone.now()
    return Ticket.objects.create(desk=Desk.objects.get(is_default=True), number=number, title="打印机卡纸",
                                 description="三楼", requester=requester, organisation=requester.organisation,
                                 channel="email", created_at=now, updated_at=now)


def test_select_related_reads_the_instance_and_its_relation_in_one_statement(desk):
    with_org = _ticket(desk, "T-1", desk.customer1)
    without = _ticket(desk, "T-2", desk.agent1)  # staff: no organisation (a LEFT OUTER join)
    assert with_org.organisation_id and without.organisation_id is None
    for ticket in (with_org, without):
        with CaptureQueriesContext(connection) as queries:
            found = rows.select_related(Ticket, "organisation", f"{_quoted(Ticket, 'number')} = %s", [ticket.number])
            organisation = found[0].organisation  # from the same statement, not a second read
        assert len(queries.captured_queries) == 1
        orm = Ticket.objects.select_related("organisation").get(number=ticket.number)
        columns = [f.attname for f in Ticket._meta.concrete_fields]
        assert [getattr(found[0], c) for c in columns] == [getattr(orm, c) for c in columns]
        assert organisation == orm.organisation
        if organisation is not None:
            assert [getattr(organisation, f.attname) for f in organisation._meta.concrete_fields] == \
                [getattr(orm.organisation, f.attname) for f in orm.organisation._meta.concrete_fields]
    assert rows.select_related(Ticket, "organisation", f"{_quoted(Ticket, 'number')} = %s", ["T-3"]) == []


def test_an_api_token_is_found_with_its_user_and_refused_as_before(desk):
    token, raw = ApiToken.issue(desk.agent1, name="t")
    with CaptureQueriesContext(connection) as queries:
        assert ApiToken.authenticate(raw) == desk.agent1
    assert len(queries.captured_queries) == 2  # the token with its user; last use written (first use)
    with CaptureQueriesContext(connection) as queries:
        assert ApiToken.authenticate(raw) == desk.agent1
    assert len(queries.captured_queries) == 1  # used within the minute: nothing written
    assert ApiToken.authenticate(raw + "x") is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert ApiToken.authenticate(raw) is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked=True)
    assert ApiToken.authenticate(raw) is None
    ApiToken.objects.filter(pk=token.pk).update(revoked=False)
    User.objects.filter(pk=desk.agent1.pk).update(is_active=False)
    assert ApiToken.authenticate(raw) is None
