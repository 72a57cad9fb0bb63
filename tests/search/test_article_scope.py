"""The article documents' scope (search.articles, branch kb-speed): the columns a search filters by sit
beside each document, so the candidate pool never reads the article rows. They must say exactly what
knowledge.visibility says, and follow a live article's audience and organisations when they change."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from servicedesk.accounts.models import Organisation
from servicedesk.core import audit
from servicedesk.knowledge import actions, visibility
from servicedesk.knowledge.models import Article, Audience
from servicedesk.search import articles

from .test_articles import ids, publish

CONSOLE = audit.Channel.CONSOLE


def scoped_ids(user) -> set[int]:
    table = articles.PG_TABLE if connection.vendor == "postgresql" else articles.SCOPE_TABLE
    where, params = articles.readable_documents_sql(user, table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT article_id FROM {table} WHERE {where}", params)
        return {row[0] for row in cur.fetchall()}


@pytest.fixture
def articles_of_every_scope(desk):
    org_a = desk.users["customer1"].organisation
    org_b = desk.users["customer3"].organisation
    made = [publish(desk, f"Scope {audience}", "Body.", audience=audience) for audience in Audience.values]
    made += [publish(desk, "Scope A", "Body.", audience=Audience.CUSTOMERS, organisations=[org_a]),
             publish(desk, "Scope B", "Body.", audience=Audience.CUSTOMERS, organisations=[org_b]),
             publish(desk, "Scope A and B", "Body.", audience=Audience.CUSTOMERS, organisations=[org_a, org_b])]
    unpublished = publish(desk, "Scope gone", "Body.", audience=Audience.PUBLIC)
    actions.unpublish_article(unpublished, actor=desk.users["manager"], channel=CONSOLE)
    return made


@pytest.mark.parametrize("reader", ["nobody", "anonymous", "customer1", "customer3", "no organisation",
                                    "inactive", "agent1", "manager"])
def test_the_documents_scope_is_the_visibility_rule(desk, articles_of_every_scope, reader):
    user = {"nobody": None, "anonymous": AnonymousUser()}.get(reader)
    if reader == "no organisation":
        user = desk.users["customer2"]
        user.organisation = None
        user.save()
    elif reader == "inactive":
        user = desk.users["customer1"]
        user.is_active = False
        user.save()
    elif user is None and reader != "nobody":
        user = desk.users[reader]
    expected = set(visibility.readable(user).values_list("pk", flat=True))
    assert expected, "every reader reads some article"
    assert scoped_ids(user) == expected


def test_an_audience_change_of_a_live_article_rescopes_its_document(desk):
    article = publish(desk, "Wallboard", "Where the wallboard hangs.", audience=Audience.CUSTOMERS)
    customer = desk.users["customer1"]
    assert ids("wallboard", customer) == [article.pk]
    # The audience applies to the live copy at once (it is not part of the published text).
    actions.update_article(article, actions.ArticleInput(audience=Audience.STAFF), actor=desk.users["agent1"],
                           channel=CONSOLE)
    assert ids("wallboard", customer) == []
    assert ids("wallboard", desk.users["agent1"]) == [article.pk]


def test_an_organisation_change_of_a_live_article_leaves_the_old_organisation(desk):
    org_a = desk.users["customer1"].organisation
    org_b = desk.users["customer3"].organisation
    article = publish(desk, "Badge reader", "Hold the badge still.", audience=Audience.CUSTOMERS,
                      organisations=[org_a])
    assert ids("badge", desk.users["customer1"]) == [article.pk]
    assert ids("badge", desk.users["customer3"]) == []
    actions.update_article(article, actions.ArticleInput(organisations=[org_b]), actor=desk.users["agent1"],
                           channel=CONSOLE)
    assert ids("badge", desk.users["customer1"]) == []
    assert ids("badge", desk.users["customer3"]) == [article.pk]


def test_an_organisation_deleted_leaves_its_articles_to_every_customer(desk):
    """The organisations are read where they are kept: no flag in the document can be left behind."""
    org = Organisation.objects.create(name="Short-lived")
    article = publish(desk, "Kiosk", "Touch the screen.", audience=Audience.CUSTOMERS, organisations=[org])
    assert ids("kiosk", desk.users["customer1"]) == []
    org.delete()
    assert ids("kiosk", desk.users["customer1"]) == [article.pk]


def test_a_service_change_of_a_live_article_follows_the_filter(desk):
    from servicedesk.tickets.models import Service

    first, second = Service.objects.order_by("pk")[:2]
    article = publish(desk, "Headset", "Pair it once.")
    actions.update_article(article, actions.ArticleInput(service=first), actor=desk.users["agent1"], channel=CONSOLE)
    assert ids("headset", service_id=first.pk) == [article.pk]
    actions.update_article(article, actions.ArticleInput(service=second), actor=desk.users["agent1"],
                           channel=CONSOLE)
    assert ids("headset", service_id=first.pk) == []
    assert ids("headset", service_id=second.pk) == [article.pk]


def test_rebuild_writes_the_scope(desk, articles_of_every_scope):
    table = articles.PG_TABLE if connection.vendor == "postgresql" else articles.SCOPE_TABLE
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table}")
    assert articles.rebuild_articles() == Article.objects.filter(is_live=True).count()
    for reader in (None, desk.users["customer1"], desk.users["agent1"]):
        assert scoped_ids(reader) == set(visibility.readable(reader).values_list("pk", flat=True))


@pytest.mark.parametrize("matching", [4, 14], ids=["few matches: all from the index", "many: a walk"])
def test_the_pool_is_the_newest_readable_matches_either_way(desk, monkeypatch, matching):
    """PostgreSQL reads the pool through the GIN index when few documents match, by a walk newest first
    when many do (search.articles._pg_pool); both give the newest readable ones."""
    monkeypatch.setattr(articles, "RANK_CANDIDATES", 3)  # the index is asked for at most 12
    made = [publish(desk, f"Lamp {n}", "Switch it on.",
                    audience=Audience.STAFF if n % 3 == 0 else Audience.CUSTOMERS) for n in range(matching)]
    publish(desk, "Desk", "Unrelated.")
    readable = [a.pk for a in made if a.audience == Audience.CUSTOMERS]
    assert sorted(ids("lamp", desk.users["customer1"])) == sorted(readable)[-3:]
    assert sorted(ids("lamp", desk.users["agent1"])) == sorted(a.pk for a in made)[-3:]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_a_search_leaves_the_planner_settings_as_they_were(desk):
    """The pool switches plans off for its own statements (SET LOCAL); a caller's transaction (a request,
    a test) goes on with the defaults."""
    for n in range(14):
        publish(desk, f"Mouse {n}", "Click.")
    from django.db import transaction

    def settings():
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('jit'), current_setting('enable_seqscan'), "
                        "current_setting('enable_indexscan'), current_setting('enable_bitmapscan')")
            return cur.fetchone()

    before = settings()
    with transaction.atomic():
        assert len(ids("mouse", desk.users["agent1"])) == 10
        assert settings() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL GIN pending list")
def test_rebuild_leaves_no_gin_pending_list(desk, articles_of_every_scope):
    articles.rebuild_articles()
    with connection.cursor() as cur:
        cur.execute(f"SELECT gin_clean_pending_list('{articles.PG_TABLE}_gin'::regclass)")
        assert cur.fetchone()[0] == 0, "nothing left for a search to read through"
