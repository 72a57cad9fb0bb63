"""Who may read and who may write articles: the one scoping rule every list, page, search result,
suggestion, FAQ and API answer about articles goes through (beside tickets.permissions for tickets).

- Readers see **live** articles only, by audience: `public` to everyone (signed in or not), `customers`
  to signed-in people (restricted to some organisations' customers when the article names organisations),
  `staff` to desk staff.
- Desk staff also see every article's working copy (drafts and reviews included): the knowledge base is
  the whole desk's.
- Any desk staff member writes drafts; publishing takes a group lead, desk manager or administrator
  (`may_publish`), who is the reviewer an agent names.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from servicedesk.accounts.models import Role

from .models import Article, Audience

PUBLISHER_ROLES = frozenset({Role.LEAD, Role.MANAGER, Role.ADMIN})


def _staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_desk_staff
                and user.is_active)


def readable_q(user) -> Q:
    """The condition on Article rows for the live articles `user` (None or anonymous: the public) may read."""
    if _staff(user):
        return Q(is_live=True)
    public = Q(is_live=True, audience=Audience.PUBLIC)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return public
    everyone = Q(is_live=True, audience=Audience.CUSTOMERS, organisations__isnull=True)
    if user.organisation_id:
        mine = Q(pk__in=Article.organisations.through.objects.filter(
            organisation_id=user.organisation_id).values("article_id"))
        return public | everyone | (Q(is_live=True, audience=Audience.CUSTOMERS) & mine)
    return public | everyone


def readable(user, queryset: QuerySet | None = None) -> QuerySet:
    """The live articles `user` may read (see readable_q)."""
    queryset = Article.objects.all() if queryset is None else queryset
    return queryset.filter(readable_q(user))


def can_read(user, article: Article) -> bool:
    return readable(user, Article.objects.filter(pk=article.pk)).exists()


def sees_working_copies(user) -> bool:
    """Whether `user` sees drafts and reviews (every article's working copy): desk staff."""
    return _staff(user)


def may_write(user) -> bool:
    return _staff(user)


def may_publish(user) -> bool:
    return _staff(user) and user.role in PUBLISHER_ROLES
