"""Changes to the console's own records: saved views (each agent's, for themselves) and canned
responses (shared with a group, or personal). Each runs in one transaction, checks who may, writes,
and records the change in the audit trail (core.audit); the console's screens call these."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Group, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.tickets import permissions

from .models import CannedResponse, SavedView

log = logging.getLogger(__name__)

MAX_VIEWS = 30


def _announce(message: str, *args) -> None:
    transaction.on_commit(lambda: log.info(message, *args))


# ---------------------------------------------------------------------------------------------
# Saved views


@transaction.atomic
def save_view(*, actor: User, name: str, queue: str, query: str,
              channel: str = audit.Channel.CONSOLE) -> tuple[SavedView, bool]:
    """Save the actor's view of `queue` under `name`, replacing their view of that name. Returns the
    view and whether it is new. Up to MAX_VIEWS per person."""
    existing = SavedView.objects.select_for_update().filter(user=actor, name=name).first()
    if existing is None:
        if SavedView.objects.filter(user=actor).count() >= MAX_VIEWS:
            raise ActionError(_("You can keep up to %(n)s saved views; delete one first.") % {"n": MAX_VIEWS})
        view = SavedView.objects.create(user=actor, name=name, queue=queue, query=query)
        audit.record_created(view, actor=actor, channel=channel)
        _announce("Saved view %s (%s) created by %s", view.pk, name, actor.username)
        return view, True
    before = audit.snapshot(existing)
    existing.queue, existing.query = queue, query
    existing.save(update_fields=["queue", "query"])
    audit.record_change(existing, before, actor=actor, channel=channel)
    return existing, False


@transaction.atomic
def delete_view(view: SavedView, *, actor: User, channel: str = audit.Channel.CONSOLE) -> None:
    """Delete one of the actor's own views (someone else's is not found: its existence is not told)."""
    if view.user_id != actor.pk:
        raise NotFound(_("No such view."))
    audit.record_deleted(view, actor=actor, channel=channel)
    view.delete()
    _announce("Saved view %s (%s) deleted by %s", view.pk, view.name, actor.username)


# ---------------------------------------------------------------------------------------------
# Canned responses


def editable_groups(user: User):
    """The groups whose shared canned responses `user` may write: their own, or all for the desk-wide roles."""
    if user.sees_whole_desk:
        return Group.objects.filter(is_active=True)
    return Group.objects.filter(pk__in=permissions.group_ids(user), is_active=True)


def may_edit(user: User, canned: CannedResponse) -> bool:
    if canned.owner_id:
        return canned.owner_id == user.pk
    return user.sees_whole_desk or canned.group_id in permissions.group_ids(user)


@transaction.atomic
def save_canned_response(canned: CannedResponse, *, actor: User,
                         channel: str = audit.Channel.CONSOLE) -> CannedResponse:
    """Create or change a canned response as filled in (a form's unsaved instance). The actor must be
    allowed to edit it as stored and in the scope it is given (personal to themselves, or one of
    their groups)."""
    stored = CannedResponse.objects.select_for_update().filter(pk=canned.pk).first() if canned.pk else None
    if stored is not None and not may_edit(actor, stored):
        raise NotFound(_("No such canned response."))
    if not may_edit(actor, canned):
        raise NotAllowed(_("Share a canned response with one of your groups, or keep it personal."))
    before = audit.snapshot(stored) if stored is not None else None
    if canned.created_by_id is None:
        canned.created_by = actor
    canned.updated_at = timezone.now()
    canned.save()
    if before is None:
        audit.record_created(canned, actor=actor, channel=channel)
    else:
        audit.record_change(canned, before, actor=actor, channel=channel)
    _announce("Canned response %s (%s) saved by %s", canned.pk, canned.name, actor.username)
    return canned


@transaction.atomic
def delete_canned_response(canned: CannedResponse, *, actor: User, channel: str = audit.Channel.CONSOLE) -> None:
    if not may_edit(actor, canned):
        raise NotFound(_("No such canned response."))
    audit.record_deleted(canned, actor=actor, channel=channel)
    pk = canned.pk
    canned.delete()
    _announce("Canned response %s (%s) deleted by %s", pk, canned.name, actor.username)
