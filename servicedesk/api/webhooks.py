"""/api/v1/webhooks: outgoing webhooks (docs/webhooks.md), for administrators only (403 for everyone
else): the subscriptions, a new one, each one's delivery log and a redelivery. Changes go through
`servicedesk.webhooks.actions`."""

import datetime
import uuid
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from pydantic import Field

from servicedesk.accounts.models import Desk, Group
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.core.inputs import Id
from servicedesk.core.pagination import paginate
from servicedesk.webhooks import actions
from servicedesk.webhooks.models import Delivery, Event, Subscription

from .schemas import Input, Message, Out, Ref, TicketTypeName

router = Router(tags=["webhooks"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
EventName = Literal[tuple(Event.values)]  # type: ignore[valid-type]
StateName = Literal["queued", "sending", "delivered", "failed"]


class WebhookOut(Out):
    id: int
    name: str
    url: str
    events: list[str]
    desk: Ref | None
    group: Ref | None
    ticket_type: str
    include_internal: bool
    is_active: bool
    consecutive_failures: int
    created_by: Ref | None
    created_at: datetime.datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown here once: the receiver verifies X-ServiceDesk-Signature with it.")


class WebhookIn(Input):
    name: str = Field(..., min_length=1, max_length=200)
    url: str = Field(..., max_length=1000, description="http:// or https://")
    events: list[EventName] = Field(..., min_length=1)
    secret: str = Field("", max_length=200, description="Left out: the desk makes one (returned once).")
    desk: Id | None = None
    group: Id | None = None
    ticket_type: TicketTypeName | Literal[""] = ""
    include_internal: bool = Field(False, description="Also send internal notes (off: the customers' view).")
    is_active: bool = True


class DeliveryOut(Out):
    id: int
    delivery_id: uuid.UUID = Field(description="Sent as X-ServiceDesk-Delivery; receivers deduplicate by it.")
    event_id: str
    event: str
    ticket: str | None = Field(description="The ticket's number.")
    state: str
    attempts: int
    next_attempt_at: datetime.datetime | None
    status_code: int | None
    last_error: str
    response_ms: int | None
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None
    payload: dict


class DeliveryPage(Out):
    items: list[DeliveryOut]
    next_cursor: str | None


def _admin(request) -> None:
    if not actions.may_manage(request.user):
        raise NotAllowed(_("Only administrators may manage webhooks."))


def _ref(row) -> dict | None:
    return None if row is None else {"id": row.pk, "name": str(row)}


def _webhook(s: Subscription) -> dict:
    return {"id": s.pk, "name": s.name, "url": s.url, "events": s.events, "desk": _ref(s.desk), "group": _ref(s.group),
            "ticket_type": s.ticket_type, "include_internal": s.include_internal, "is_active": s.is_active,
            "consecutive_failures": s.consecutive_failures,
            "created_by": None if s.created_by is None else {"id": s.created_by_id, "name": s.created_by.username},
            "created_at": s.created_at}


def _delivery(d: Delivery) -> dict:
    return {"id": d.pk, "delivery_id": d.uuid, "event_id": d.event_id, "event": d.event,
            "ticket": d.ticket.number if d.ticket_id else None, "state": d.state, "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at, "status_code": d.status_code, "last_error": d.last_error,
            "response_ms": d.response_ms, "created_at": d.created_at, "delivered_at": d.delivered_at,
            "payload": d.payload}


def _subscription(pk: int) -> Subscription:
    found = Subscription.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Webhook not found."))
    return found


def _row(model, pk: int | None, missing: str):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ActionError(missing % {"id": pk})
    return found


@router.get("", response={200: list[WebhookOut], 403: Message}, summary="Webhooks (administrators)")
def list_webhooks(request):
    _admin(request)
    return [_webhook(s) for s in Subscription.objects.select_related("desk", "group", "created_by")]


@router.post("", response={201: WebhookCreated, **ERRORS}, summary="Create a webhook (administrators)")
def create_webhook(request, payload: WebhookIn):
    _admin(request)
    data = actions.SubscriptionInput(
        name=payload.name, url=payload.url, events=list(payload.events), secret=payload.secret,
        desk=_row(Desk, payload.desk, _("No desk with id %(id)s.")),
        group=_row(Group, payload.group, _("No group with id %(id)s.")),
        ticket_type=payload.ticket_type, include_internal=payload.include_internal, is_active=payload.is_active,
    )
    subscription = actions.create_subscription(data, actor=request.user, channel=Channel.API)
    return Reply(201, _webhook(subscription) | {"secret": subscription.secret})


@router.get("/{int:webhook_id}/deliveries", response={200: DeliveryPage, 403: Message, 404: Message},
            summary="A webhook's delivery log, newest first (administrators)")
def list_deliveries(request, webhook_id: Id, state: StateName | None = None, cursor: str | None = None,
                    limit: int = Query(50, ge=1, le=200)):
    _admin(request)
    rows = Delivery.objects.filter(subscription=_subscription(webhook_id)).select_related("ticket")
    if state:
        rows = rows.filter(state=state)
    page = paginate(rows, "created_at", True, limit, after=cursor)
    return {"items": [_delivery(d) for d in page.rows], "next_cursor": page.next_cursor}


@router.post("/{int:webhook_id}/deliveries/{int:delivery_id}/redeliver", response={202: DeliveryOut, **ERRORS},
             summary="Queue a delivery again (administrators)")
def redeliver(request, webhook_id: Id, delivery_id: Id):
    """The same body and X-ServiceDesk-Delivery, sent again as a fresh series of attempts."""
    _admin(request)
    delivery = Delivery.objects.filter(pk=delivery_id, subscription=_subscription(webhook_id)).first()
    if delivery is None:
        raise NotFound(_("Delivery not found."))
    return Reply(202, _delivery(actions.redeliver(delivery, actor=request.user, channel=Channel.API)))
