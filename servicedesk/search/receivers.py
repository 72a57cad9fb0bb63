"""Keep the index current, in the same transaction as the change (post_save / post_delete).

Every ticket write goes through servicedesk.tickets.actions, which saves with `update_fields`: a save
that touches neither the text nor the merge costs nothing here. Being inside the transaction, the
document commits or rolls back with the change it reflects (`ticket_changed` comes after commit, and
a crash in between would leave the index behind)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from servicedesk.knowledge.models import Article
from servicedesk.tickets.models import Comment, Ticket

from . import articles, index

TEXT_FIELDS = frozenset({"title", "description", "merged_into"})


@receiver(post_save, sender=Ticket, dispatch_uid="search_ticket_saved")
def ticket_saved(sender, instance: Ticket, created: bool, update_fields=None, raw=False, using="default", **kwargs):
    if raw:
        return
    if created:
        index.index_ticket(instance, using, new=True)
    elif update_fields is None or TEXT_FIELDS & set(update_fields):
        index.index_ticket(instance, using)
        if instance.merged_into_id:
            # The merge moved the conversation to the other ticket before this save.
            index.index_ticket(instance.merged_into_id, using)


@receiver(post_delete, sender=Ticket, dispatch_uid="search_ticket_deleted")
def ticket_deleted(sender, instance: Ticket, using="default", **kwargs):
    index.remove(instance.pk, using)


@receiver(post_save, sender=Comment, dispatch_uid="search_comment_saved")
def comment_saved(sender, instance: Comment, created: bool, raw=False, using="default", **kwargs):
    # A new internal note changes nothing; an edited comment may have changed either way.
    if raw or (created and instance.internal):
        return
    # A new comment carries the ticket it was written on (the actions pass the one they locked,
    # current): no need to read it again.
    fresh = created and Comment.ticket.is_cached(instance)
    index.index_ticket(instance.ticket if fresh else instance.ticket_id, using)


@receiver(post_delete, sender=Comment, dispatch_uid="search_comment_deleted")
def comment_deleted(sender, instance: Comment, using="default", **kwargs):
    if not instance.internal:
        index.index_ticket(instance.ticket_id, using)


# Articles: the live copy is indexed (search.articles). Edits of the working copy of a published article
# save its tags, service and category, which the document holds too.


@receiver(post_save, sender=Article, dispatch_uid="search_article_saved")
def article_saved(sender, instance: Article, created: bool, update_fields=None, raw=False, using="default",
                  **kwargs):
    if raw or (created and not instance.is_live):
        return
    if update_fields is None or articles.LIVE_FIELDS & set(update_fields):
        articles.index_article(instance.pk, using)


@receiver(post_delete, sender=Article, dispatch_uid="search_article_deleted")
def article_deleted(sender, instance: Article, using="default", **kwargs):
    articles.remove_article(instance.pk, using)
