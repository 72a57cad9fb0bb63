"""Changes to search's own records: the synonym sets (the admin writes them through AuditedAdmin; other
callers, e.g. a future settings screen or a script, through these). Administrators only; audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound

from .models import Synonym


def _check(actor: User) -> None:
    if not (actor.is_active and (actor.is_superuser or actor.role == Role.ADMIN)):
        raise NotAllowed(_("Only an administrator may change the search synonyms."))


def _validated(synonym: Synonym, terms: str) -> None:
    synonym.terms = terms
    try:
        synonym.clean()
    except ValidationError as error:
        raise ActionError(" ".join(error.messages)) from None


@transaction.atomic
def create_synonym(terms: str, *, actor: User, channel: str) -> Synonym:
    """A new set of equivalent terms ("打印机, 打印, printer, print")."""
    _check(actor)
    synonym = Synonym(updated_at=timezone.now())
    _validated(synonym, terms)
    synonym.save()
    audit.record_created(synonym, actor=actor, channel=channel, fields=["terms"])
    return synonym


@transaction.atomic
def update_synonym(synonym: Synonym | int, terms: str, *, actor: User, channel: str) -> Synonym:
    _check(actor)
    pk = synonym.pk if isinstance(synonym, Synonym) else synonym
    found = Synonym.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such synonym set."))
    before = audit.snapshot(found)
    _validated(found, terms)
    found.updated_at = timezone.now()
    found.save(update_fields=["terms", "updated_at"])
    audit.record_change(found, before, actor=actor, channel=channel)
    return found


@transaction.atomic
def delete_synonym(synonym: Synonym | int, *, actor: User, channel: str) -> None:
    _check(actor)
    pk = synonym.pk if isinstance(synonym, Synonym) else synonym
    found = Synonym.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such synonym set."))
    audit.record_deleted(found, actor=actor, channel=channel)
    found.delete()
