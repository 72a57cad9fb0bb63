"""Acts on people managed by the desk: invitations and reset links, the personal-data export, erasure, and
the auditor's export of the audit trail. The account's own changes (create, edit, unlock, deactivate) are
accounts.actions; the people screens and API call both. Who may: servicedesk/people/permissions.py."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts import actions as accounts
from servicedesk.accounts.models import User, person_name
from servicedesk.accounts.password_reset import send_password_link
from servicedesk.core import appendonly, audit
from servicedesk.core.errors import ActionError, NotAllowed

from . import personal_data
from .permissions import may_handle_personal_data, may_manage

log = logging.getLogger(__name__)


class Event(models.TextChoices):
    """The people screens' events in a person's audit trail (AuditEntry.action)."""

    INVITED = "invited", gettext_lazy("invitation sent")
    RESET_LINK_SENT = "reset_link_sent", gettext_lazy("password reset link sent")
    EXPORTED = "personal_data_exported", gettext_lazy("personal data exported")


audit.register_events(Event.choices)


def _mail_link(user: User, event: Event, *, actor: User, channel: str, **templates) -> None:
    if not may_manage(actor, user):
        raise NotAllowed(_("You may not act for %(user)s.") % {"user": user.username})
    if not user.is_active:
        raise ActionError(_("%(user)s is disabled.") % {"user": user.username})
    if not user.email:
        raise ActionError(_("%(user)s has no e-mail address.") % {"user": user.username})
    with transaction.atomic():
        audit.record_event(user, event, actor=actor, channel=channel, note=user.email)
        transaction.on_commit(lambda: send_password_link(user, **templates))


def send_invitation(user: User, *, actor: User, channel: str) -> None:
    """Mail a new account's person a link to choose their password (the reset link's token: it expires
    after PASSWORD_RESET_TIMEOUT and works once)."""
    _mail_link(user, Event.INVITED, actor=actor, channel=channel,
               subject_template="people/mail/invitation_subject.txt",
               body_template="people/mail/invitation_email.txt")


def send_reset_link(user: User, *, actor: User, channel: str) -> None:
    """Mail a person the password reset link they could have asked for themselves."""
    _mail_link(user, Event.RESET_LINK_SENT, actor=actor, channel=channel)


def create_person(*, name: str, email: str = "", phone: str = "", organisation=None, language: str = "",
                  invite: bool = False, actor: User, channel: str) -> User:
    """A new customer (accounts.actions.create_customer: the desk's one way to make one), invited at once
    when asked."""
    # Typed by a person (the mail ingester takes any address a message came from): checked.
    email = accounts.check_email(email)
    name = (name or "").strip()
    if not name:
        raise ActionError(_("A person needs a name."))
    language = accounts.check_language(language)
    with transaction.atomic():
        person = accounts.create_customer(name=name, email=email, phone=phone, organisation=organisation,
                                          language=language, actor=actor, channel=channel)
        if invite:
            send_invitation(person, actor=actor, channel=channel)
    return person


# ---------------------------------------------------------------------------------------------
# Personal data


def export_person(user: User, *, actor: User, channel: str) -> dict:
    """Everything the desk holds about `user` (personal_data.collect), recorded in their trail."""
    if not may_handle_personal_data(actor, user):
        raise NotAllowed(_("Only administrators and desk managers export a person's data."))
    with transaction.atomic():
        data = personal_data.collect(user)
        audit.record_event(user, Event.EXPORTED, actor=actor, channel=channel)
    return data


def placeholder(user: User) -> str:
    """What an erased person is called from then on, in the desk's language."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased person #%(id)s") % {"id": user.pk}


def _needles(user: User) -> list[str]:
    """The texts that name the person: address, user name, phone, name as written and as shown."""
    first, last = user.first_name.strip(), user.last_name.strip()
    found = {user.email.strip(), user.username, user.phone.strip(), person_name(first, last)}
    if first and last:
        found |= {f"{first} {last}", f"{last} {first}", f"{last}{first}"}
    digits = re.sub(r"\D", "", user.phone)
    if len(digits) >= 7:
        found.add(digits)
    return sorted((n for n in found if len(n) >= 2), key=len, reverse=True)


def _pattern(needles: Iterable[str]) -> re.Pattern:
    # Latin names only as whole words: erasing "Ann" must not turn "annual" into nonsense. Names in Han
    # script have no spaces around them: they match wherever they stand.
    parts = []
    for needle in needles:
        part = re.escape(needle)
        if re.match(r"\w", needle, re.ASCII):
            part = r"(?<!\w)" + part
        if re.search(r"\w$", needle, re.ASCII):
            part += r"(?!\w)"
        parts.append(part)
    return re.compile("|".join(parts), re.IGNORECASE)


def _scrub_value(value, pattern: re.Pattern, replacement: str):
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_scrub_value(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {_scrub_value(k, pattern, replacement): _scrub_value(v, pattern, replacement) for k, v in value.items()}
    return value


# Rows the erasure handles itself (the account) or that hold no text of a person (the report facts).
_NOT_SCRUBBED = {"accounts.user", "sessions.session"}


def _scrub_everywhere(needles: list[str], replacement: str) -> dict[str, set]:
    """Replace the person's names, address and phone in every text and JSON column of every table the
    desk's models have; {model label: primary keys of the rows changed}. Candidates are found in the
    database (a case-insensitive LIKE per column), the replacement is made here."""
    pattern = _pattern(needles)
    variants = set(needles) | {json.dumps(n)[1:-1] for n in needles}  # JSON keeps non-ASCII escaped
    changed: dict[str, set] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in _NOT_SCRUBBED:
            continue
        manager = model._base_manager
        for field in meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                column = field.attname
                query = models.Q()
                for needle in needles:
                    query |= models.Q(**{f"{column}__icontains": needle})
                for pk, value in manager.filter(query).values_list("pk", column).iterator():
                    new = pattern.sub(replacement, value)
                    if field.max_length:
                        new = new[:field.max_length]
                    if new != value:
                        manager.filter(pk=pk).update(**{column: new})
                        changed.setdefault(meta.label_lower, set()).add(pk)
            elif isinstance(field, models.JSONField):
                column = field.attname
                text = manager.annotate(_as_text=Cast(column, models.TextField()))
                query = models.Q()
                for needle in variants:
                    query |= models.Q(_as_text__icontains=needle)
                for pk, value in text.filter(query).values_list("pk", column).iterator():
                    new = _scrub_value(value, pattern, replacement)
                    if new != value:
                        manager.filter(pk=pk).update(**{column: new})
                        changed.setdefault(meta.label_lower, set()).add(pk)
    return changed


def _remove_mail_and_files(user: User) -> set[int]:
    """The bytes of the mail the person sent and the files they attached: removed (their rows' text is
    scrubbed with the rest). The tickets touched."""
    from servicedesk.intake.models import InboundMessage
    from servicedesk.tickets.models import Attachment

    tickets = set()
    messages = InboundMessage.objects.filter(
        models.Q(sender__iexact=user.email) if user.email else models.Q(pk__in=[]))
    messages |= InboundMessage.objects.filter(comment__author=user)
    for message in messages.distinct():
        if message.raw:
            message.raw.delete(save=False)
        InboundMessage.objects.filter(pk=message.pk).update(raw_data=None, raw="", size=0, quoted_text="")
        if message.ticket_id:
            tickets.add(message.ticket_id)
    for attachment in Attachment.objects.filter(uploaded_by=user):
        attachment.file.delete(save=False)
        tickets.add(attachment.ticket_id)
        attachment.delete()
    return tickets


def erase_person(user: User, *, confirm_name: str, actor: User, channel: str) -> User:
    """Erase a person on request: tickets, comments and figures stay (the requester is `placeholder`), and
    nothing names them any more — not their account, a text column of any table, the mail they sent, the
    files they attached, the search index, the outbox, their tokens or sessions; other apps' data through
    the registry. `confirm_name` is the person's user name or name, typed: an erasure cannot be undone."""
    from servicedesk import search
    from servicedesk.tickets.models import Comment, Ticket

    from .registry import registered

    if not may_handle_personal_data(actor, user):
        raise NotAllowed(_("Only administrators and desk managers erase a person's data."))
    typed = (confirm_name or "").strip().casefold()
    if not typed or typed not in {user.username.casefold(), user.display_name.casefold(), user.email.casefold()}:
        raise ActionError(_("Type the person's name or user name to confirm the erasure."))
    replacement = placeholder(user)
    with transaction.atomic():
        for part in registered():
            part.erase(user)
        tickets = _remove_mail_and_files(user)
        # The one write past the append-only guards (core.appendonly) of the ticket history and the audit
        # trail: the right to erasure outranks them. The rows stay, only the person's words in them change;
        # the erasure's own audit row says that it happened. (PostgreSQL locks those tables meanwhile.)
        with appendonly.lifted():
            changed = _scrub_everywhere(_needles(user), replacement)
        accounts.erase_account(user, placeholder=replacement, actor=actor, channel=channel)
        tickets |= changed.get("tickets.ticket", set())
        tickets |= set(Comment.objects.filter(pk__in=changed.get("tickets.comment", ())).values_list("ticket_id",
                                                                                                     flat=True))
        tickets |= set(Ticket.objects.filter(requester=user).values_list("pk", flat=True))
        for pk in sorted(tickets):  # in the same transaction: no index row outlives a rolled-back erasure
            search.index_ticket(pk)
    log.info("Personal data of user %s erased by %s (%s)", user.pk, actor.username, channel)
    return user
