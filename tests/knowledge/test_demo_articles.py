"""The demo desk's knowledge base (knowledge.demo): articles in both languages, linked as translations, that
answer the demo tickets, with every audience, some overdue for review, one in review and one draft — made
through the actions, loaded once however often `servicedesk demo` runs, and not in the bare desk."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.core import audit
from servicedesk.knowledge import visibility
from servicedesk.knowledge.models import Article, ArticleVersion, Audience, Language, State
from servicedesk.tickets.models import Ticket


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())


def test_counts_languages_translations_and_states(demo):
    articles = Article.objects.all()
    assert 20 <= articles.count() <= 30
    for language in Language.values:
        assert articles.filter(language=language).count() >= 9
    translations = articles.filter(translation_of__isnull=False)
    assert translations.count() >= 8
    for article in translations:
        assert article.language != article.translation_of.language
    assert articles.filter(state=State.DRAFT, is_live=False).count() == 1
    review = articles.get(state=State.REVIEW)
    assert not review.is_live and review.reviewer.username == "lead1"
    live = articles.filter(is_live=True)
    assert live.count() == articles.count() - 2
    # The known error problems.demo publishes is the lead's own: its publisher writes it.
    written = live.exclude(ticket_links__ticket__type="problem")
    assert set(written.values_list("created_by__username", "published_by__username").distinct()) == {
        ("agent1", "lead1")}
    assert not articles.filter(category__isnull=True).exists()
    assert live.filter(review_by__lt=timezone.localdate()).count() >= 2
    # Made through the actions: a version and an audit trail each.
    assert ArticleVersion.objects.filter(number=1).count() == articles.count()
    assert all(audit.trail(a).filter(action="published").exists() for a in live)


def test_audiences_reach_the_right_readers(demo):
    live = Article.objects.filter(is_live=True)
    assert {Audience.PUBLIC, Audience.CUSTOMERS, Audience.STAFF} <= set(live.values_list("audience", flat=True))
    staff_only = live.get(audience=Audience.STAFF)
    only_a = live.get(organisations__name="Organisation A")
    customer_a, customer_b = User.objects.get(username="customer1"), User.objects.get(username="customer3")
    assert visibility.can_read(customer_a, only_a) and not visibility.can_read(customer_b, only_a)
    assert not visibility.can_read(customer_a, staff_only)
    assert visibility.can_read(User.objects.get(username="agent2"), staff_only)
    public = live.filter(audience=Audience.PUBLIC)
    assert public.count() >= 6 and set(visibility.readable(None)) == set(public)


def test_every_demo_ticket_category_has_an_article(demo):
    ticket_categories = set(Ticket.objects.exclude(category=None).values_list("category__name", flat=True))
    covered = set(Article.objects.values_list("category__name", flat=True))
    assert ticket_categories and ticket_categories <= covered
    # Live for all but the one waiting in review.
    live = set(Article.objects.filter(is_live=True).values_list("category__name", flat=True))
    assert len(ticket_categories - live) <= 1


def test_make_run_loads_them_once(db):
    call_command("demo", if_empty=True, stdout=io.StringIO())  # what `make run` does on a fresh desk
    counts = Article.objects.count(), ArticleVersion.objects.count()
    assert counts[0] >= 20
    call_command("demo", stdout=io.StringIO())
    assert (Article.objects.count(), ArticleVersion.objects.count()) == counts


def test_not_in_the_bare_desk(db):
    call_command("demo", no_tickets=True, stdout=io.StringIO())
    assert not Article.objects.exists()
