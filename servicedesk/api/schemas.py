"""Request and response shapes. Outputs are built as plain dicts (cheap) and checked against these."""

import datetime
from typing import Literal

from django.conf import settings
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from servicedesk.core.inputs import Id, IdOrZero, find_text_problem
from servicedesk.tickets.models import Channel, LinkKind, PendingReason, TicketType

TicketTypeName = Literal[tuple(TicketType.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
LinkKindName = Literal[tuple(LinkKind.values)]  # type: ignore[valid-type]
PendingReasonName = Literal[tuple(PendingReason.values)]  # type: ignore[valid-type]
Level = int


class Input(Schema):
    """Every JSON body the API reads: a JSON object (ninja would read the attributes of a string or a
    list as fields: `"hello world"` became a ticket titled "Hello World"), whose strings the desk can
    store (core/inputs.py)."""

    @model_validator(mode="before")
    @classmethod
    def _object_of_storable_text(cls, data):
        raw = data._obj if isinstance(data, DjangoGetter) else data  # ninja's own validator wrapped it
        if not isinstance(raw, dict):
            raise PydanticCustomError("body_not_object", "The body must be a JSON object.")
        # The declared fields only: others are ignored, never stored.
        found = find_text_problem({name: value for name, value in raw.items() if name in cls.model_fields})
        if found:
            where, reason = found
            raise PydanticCustomError("unstorable_text", "{field}: {reason}",
                                      {"field": ".".join(map(str, where)) or "body", "reason": reason})
        return data


def _long_text(limit: int):
    """A text field with the desk's length limit in the OpenAPI. The action checks it, so an over-long
    text gets the desk's message naming the limit (400) rather than a generic validation error."""
    return {"json_schema_extra": {"maxLength": limit}}


DESCRIPTION = _long_text(settings.SERVICEDESK_DESCRIPTION_MAX_CHARS)
COMMENT = _long_text(settings.SERVICEDESK_COMMENT_MAX_CHARS)


class Out(BaseModel):
    """Responses are built as plain dicts: a plain pydantic model validates them without ninja's
    per-attribute Django getter, which cost about a third of a millisecond per ticket."""


class Ref(Out):
    id: int
    name: str


class UserRef(Out):
    id: int
    username: str
    name: str


class GroupRef(Out):
    id: int
    name: str
    tier: int


class TicketOut(Out):
    id: int
    number: str
    type: str
    title: str
    description: str
    status: str
    pending_reason: str
    impact: int
    urgency: int
    priority: int
    priority_overridden: bool
    requester: UserRef
    organisation: Ref | None
    owner: UserRef | None
    group: GroupRef | None
    assignee: UserRef | None
    category: Ref | None
    channel: str
    desk: Ref
    merged_into: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    first_response_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    version: int
    actions: list[str]


class TicketPage(Out):
    items: list[TicketOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last.")


class TicketIn(Input):
    title: str = Field(..., min_length=1, max_length=255)
    description: str = Field("", **DESCRIPTION)
    type: TicketTypeName = "incident"
    category: Id | None = None
    impact: int | None = Field(None, ge=1, le=3, description="1 high, 2 medium, 3 low")
    urgency: int | None = Field(None, ge=1, le=3, description="1 high, 2 medium, 3 low")
    priority: int | None = Field(None, ge=1, le=5, description="Staff only: overrides the matrix (logged).")
    requester: Id | None = Field(None, description="Staff only: the user the ticket is for.")
    group: Id | None = Field(None, description="Staff only: route at once.")
    assignee: Id | None = None
    channel: ChannelName | None = Field(None, description="Staff only: how the contact came in.")
    watchers: list[Id] = []


class TicketPatch(Input):
    version: IdOrZero | None = Field(None, description="The version you read; a stale one gets 409 and changes "
                                                       "nothing.")
    # Not nullable: a ticket always has these (leave one out to keep it).
    title: str = Field(None, min_length=1, max_length=255)
    description: str = Field(None, **DESCRIPTION)
    type: TicketTypeName = None
    category: Id | None = None
    impact: int = Field(None, ge=1, le=3)
    urgency: int = Field(None, ge=1, le=3)
    priority: int = Field(None, ge=1, le=5)
    owner: Id | None = None
    group: Id | None = None
    assignee: Id | None = None


class TransitionIn(Input):
    action: str = Field(..., description="acknowledge, assign, start, pend, resume, resolve, confirm, reopen, close")
    version: IdOrZero | None = None
    comment: str = Field("", **COMMENT)
    internal: bool = False
    pending_reason: PendingReasonName | None = None
    group: Id | None = Field(None, description="For `assign`: the group to route to.")
    assignee: Id | None = Field(None, description="For `assign`: optionally a person of that group.")


class CommentIn(Input):
    body: str = Field(..., min_length=1, **COMMENT)
    internal: bool = False
    version: IdOrZero | None = None


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    internal: bool
    comment_id: int | None
    uploaded_by: UserRef
    created_at: datetime.datetime
    download_url: str


class CommentOut(Out):
    id: int
    author: UserRef
    body: str
    internal: bool
    channel: str
    created_at: datetime.datetime
    attachments: list[AttachmentOut]


class HistoryOut(Out):
    id: int
    at: datetime.datetime
    actor: UserRef | None
    channel: str
    event: str
    field: str
    old: str
    new: str
    note: str
    version: int


class LinkIn(Input):
    target: str = Field(..., description="The other ticket's id or number (e.g. SD-000123).")
    kind: LinkKindName


class LinkOut(Out):
    id: int
    kind: str
    direction: Literal["outgoing", "incoming"]
    ticket: Ref = Field(..., description="The other ticket (name is its number and title).")
    other_number: str
    created_at: datetime.datetime


class MergeIn(Input):
    into: str = Field(..., description="The original ticket's id or number; this ticket is merged into it.")


class TimeEntryIn(Input):
    minutes: int = Field(..., ge=1, le=1440)
    note: str = ""
    spent_on: datetime.date | None = None


class TimeEntryOut(Out):
    id: int
    agent: UserRef
    minutes: int
    note: str
    spent_on: datetime.date
    created_at: datetime.datetime


class WatchersIn(Input):
    add: list[Id] = []
    remove: list[Id] = []


class Message(Out):
    message: str


class Invalid(Out):
    message: str
    errors: list[dict] = Field([], description="What is wrong where (pydantic's errors: type, loc, msg).")


class ConflictOut(Out):
    message: str
    current_version: int
    changes: list[dict]
