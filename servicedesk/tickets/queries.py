"""Loading a page of tickets with the people and tickets it refers to.

Joining the user table three times (requester, owner, assignee) made PostgreSQL spend far longer
planning a queue page than running it (planning grows steeply with each large joined table, and it
does not depend on the number of tickets). Small tables are joined; people come in one query by
primary key.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Q

from servicedesk.accounts.models import User
from servicedesk.core import rows
from servicedesk.core.inputs import parse_id

from .models import Ticket
from .numbers import number_candidates

PEOPLE = ("requester", "owner", "assignee")
SCOPE_COLUMNS = ("requester_id", "owner_id", "assignee_id", "group_id", "organisation_id")


def attach_people(tickets: Sequence[Ticket], fields: Sequence[str] = PEOPLE) -> None:
    """Fill each ticket's person relations (and `merged_into`) with two queries at most."""
    attach_users(tickets, fields, User.objects.select_related("organisation"))
    merged_ids = {t.merged_into_id for t in tickets if t.merged_into_id}
    if merged_ids:
        # With the columns the scoping rule reads: a merge target is named only to who may see it.
        merged = Ticket.objects.only("id", "number", *SCOPE_COLUMNS).in_bulk(merged_ids)
        for ticket in tickets:
            if ticket.merged_into_id:
                ticket.merged_into = merged[ticket.merged_into_id]


def attach_users(holders: Sequence[object], fields: Sequence[str], users=None) -> dict[int, User]:
    """Fill the user relations named in `fields` (those each holder has, e.g. a ticket's requester, a
    comment's author, a history entry's actor) from one query by primary key (of `users`, default
    all users without joins)."""
    ids = {getattr(h, f"{name}_id", None) for h in holders for name in fields} - {None}
    if not ids:
        people = {}
    elif users is None and len(ids) <= 500:  # every column of the users, by a statement built once (core.rows)
        marks = ", ".join(["%s"] * len(ids))
        people = {u.pk: u for u in rows.select(User, f"{connection.ops.quote_name('id')} IN ({marks})", sorted(ids))}
    else:
        people = (User.objects if users is None else users).in_bulk(ids)
    for holder in holders:
        for name in fields:
            pk = getattr(holder, f"{name}_id", None)
            if pk is not None and pk in people:
                setattr(holder, name, people[pk])
    return people


def people_columns(ids) -> list[tuple[int, str, str, str]]:
    """(id, username, first_name, last_name) of the users `ids` (None left out), by a statement written out:
    the queryset's compilation cost more than the read on every page of a list."""
    ids = sorted(set(ids) - {None})
    if not ids:
        return []
    if len(ids) > 500:
        return list(User.objects.filter(pk__in=ids).values_list("id", "username", "first_name", "last_name"))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('id')}, {quote('username')}, {quote('first_name')}, {quote('last_name')} "
                       f"FROM {quote(User._meta.db_table)} WHERE {quote('id')} IN ({', '.join(['%s'] * len(ids))})",
                       ids)
        return cursor.fetchall()


def ticket_reference(key: str | None) -> Q | None:
    """The lookup for a ticket named by a person or a client: its id (ASCII digits within the
    database's range) or its number (`SD-000123`, any case); None when `key` can name no ticket."""
    key = (key or "").strip()
    if not key:
        return None
    if key.isdigit():  # "²" too: a digit that is no id names no ticket (numbers have a prefix)
        pk = parse_id(key)
        return Q(pk=pk) if pk is not None else None
    candidates = number_candidates(key)  # SD-000123, sd-123
    return Q(number__in=candidates) if candidates else None
