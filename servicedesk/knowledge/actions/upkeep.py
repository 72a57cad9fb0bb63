"""Upkeep of the knowledge base by its owners: a searched-for word that found nothing, dealt with."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.accounts.models import User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound

from .. import visibility
from ..models import SearchGap


@transaction.atomic
def mark_gap_dealt_with(gap: SearchGap | int, *, actor: User, channel: str) -> SearchGap:
    """Take a knowledge gap off the upkeep list (an article now answers it, or none should). A later
    search that again finds nothing counts it anew (knowledge.actions.gaps)."""
    if not visibility.may_write(actor):
        raise NotAllowed(_("Only desk staff may look after the knowledge base."))
    pk = gap.pk if isinstance(gap, SearchGap) else gap
    found = SearchGap.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such search."))
    if found.resolved:
        raise ActionError(_("This search is already dealt with."))
    before = audit.snapshot(found)
    found.resolved = True
    found.save(update_fields=["resolved"])
    audit.record_change(found, before, actor=actor, channel=channel)
    return found
