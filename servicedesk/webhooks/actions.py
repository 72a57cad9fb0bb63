"""Every change an administrator (or the desk itself) makes to webhooks: subscriptions made and
deactivated, a delivery queued again, a test event sent — each checked, recorded in the audit trail and
handed to the sender after commit. (The delivery log's own states are the sender's: events.py, sending.py.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Desk, Group, Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed

from . import payloads, tasks
from .models import TEST_EVENT, Delivery, State, Subscription


def may_manage(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and (actor.role == Role.ADMIN or actor.is_superuser)


def _check(actor: User | None) -> None:
    if not may_manage(actor):
        raise NotAllowed(_("Only administrators may manage webhooks."))


@dataclass
class SubscriptionInput:
    name: str
    url: str
    events: list[str]
    secret: str = ""
    desk: Desk | None = None
    group: Group | None = None
    ticket_type: str = ""
    include_internal: bool = False
    is_active: bool = True


def _refusal(error: ValidationError) -> ActionError:
    messages = [f"{field}: {'; '.join(texts)}" for field, texts in error.message_dict.items()]
    return ActionError(" ".join(messages))


def create_subscription(data: SubscriptionInput, *, actor: User, channel: str) -> Subscription:
    _check(actor)
    with transaction.atomic():
        subscription = Subscription(
            name=data.name.strip(), url=data.url.strip(), events=list(dict.fromkeys(data.events)),
            desk=data.desk, group=data.group, ticket_type=data.ticket_type, include_internal=data.include_internal,
            is_active=data.is_active, created_by=actor,
        )
        if data.secret:
            subscription.secret = data.secret
        try:
            subscription.full_clean()
        except ValidationError as error:
            raise _refusal(error) from None
        subscription.save()
        audit.record_created(subscription, actor=actor, channel=channel)
    return subscription


def redeliver(delivery: Delivery | int, *, actor: User, channel: str) -> Delivery:
    """Queue a delivery again, whatever became of it, as a fresh series of attempts. The receiver gets
    the same body and X-ServiceDesk-Delivery (it asked for the event again, not for a new one)."""
    _check(actor)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=getattr(delivery, "pk", delivery))
        if delivery.state == State.SENDING:
            raise Conflict(_("This delivery is being sent right now; try again in a moment."))
        audit.record_event(delivery, "redelivered", actor=actor, channel=channel,
                           changes={"state": (delivery.get_state_display(), State.QUEUED.label)})
        delivery.state, delivery.attempts, delivery.next_attempt_at = State.QUEUED, 0, None
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        pk = delivery.pk
        transaction.on_commit(lambda: tasks.deliver.delay(pk))
    return delivery


def send_test_event(subscription: Subscription | int, *, actor: User, channel: str) -> Delivery:
    """A ``webhook.test`` event (no ticket) to check the URL and the secret; sent after commit."""
    _check(actor)
    with transaction.atomic():
        subscription = Subscription.objects.get(pk=getattr(subscription, "pk", subscription))
        event_id = f"test:{uuid.uuid4()}"
        delivery = Delivery.objects.create(
            subscription=subscription, event_id=event_id, event=TEST_EVENT,
            payload=payloads.event_payload(event_id, TEST_EVENT, timezone.now(), None, actor=actor),
        )
        audit.record_event(subscription, "test_event", actor=actor, channel=channel)
        pk = delivery.pk
        transaction.on_commit(lambda: tasks.deliver.delay(pk))
    return delivery


def deactivate(subscription: Subscription | int, *, failures: int) -> None:
    """The desk turns off a webhook whose deliveries failed for good ``failures`` times in a row (a receiver
    gone for good); an administrator turns it on again in the admin."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=getattr(subscription, "pk", subscription))
        if not subscription.is_active:
            return
        subscription.is_active = False
        subscription.save(update_fields=["is_active"])
        audit.record_event(subscription, "deactivated", actor=system_user(), channel=audit.Channel.SYSTEM,
                           note=_("%(count)s deliveries in a row failed.") % {"count": failures})
