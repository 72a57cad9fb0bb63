"""Request and response shapes. Outputs are built as plain dicts (cheap) and checked against these."""

import datetime
from typing import Annotated, Literal

from django.conf import settings
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from servicedesk.core.inputs import Id, IdOrZero, find_text_problem
from servicedesk.tickets.models import Channel, Level, LinkKind, PendingReason, Priority, Status, TicketType

TicketTypeName = Literal[tuple(TicketType.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
LinkKindName = Literal[tuple(LinkKind.values)]  # type: ignore[valid-type]
PendingReasonName = Literal[tuple(PendingReason.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(Status.values)]  # type: ignore[valid-type]

# Impact, urgency and priority are numbers in the database and in every response; a request may also
# name them. The names are the models' English labels, lower-cased.
LEVEL_NAMES = {level.name.lower(): level.value for level in Level}
PRIORITY_NAMES = {priority.name.lower(): priority.value for priority in Priority}
LEVEL_MEANING = "Impact or urgency: 1 high, 2 medium, 3 low. "
PRIORITY_MEANING = "Priority: 1 critical, 2 high, 3 medium, 4 low, 5 planning. "
NAMES_TOO = "A request may send the number or the name (e.g. `\"high\"`); responses carry the number."



def _not_a_boolean(value):
    # pydantic reads true as 1: a level of `true` is a mistake, not "high".
    if isinstance(value, bool):
        raise PydanticCustomError("level_not_boolean", "Give a number or a name, not true or false.")
    return value


LevelIn = Annotated[
    Annotated[int, Field(ge=1, le=3)] | Literal[tuple(LEVEL_NAMES)],  # type: ignore[valid-type]
    AfterValidator(lambda value: LEVEL_NAMES.get(value, value)),
    BeforeValidator(_not_a_boolean),
    Field(description=LEVEL_MEANING + NAMES_TOO),
]
PriorityIn = Annotated[
    Annotated[int, Field(ge=1, le=5)] | Literal[tuple(PRIORITY_NAMES)],  # type: ignore[valid-type]
    AfterValidator(lambda value: PRIORITY_NAMES.get(value, value)),
    BeforeValidator(_not_a_boolean),
    Field(description=PRIORITY_MEANING + NAMES_TOO),
]


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


class ClockOut(Out):
    """One SLA clock of a ticket, as the desk last derived it from the ticket's history."""

    kind: Literal["response", "resolution", "ola"] = Field(
        ..., description="`response` and `resolution`: the targets promised to the customer; `ola`: a resolver "
        "group's own target while the ticket is with it (staff only).")
    group: Ref | None = Field(..., description="For an OLA: the resolver group; otherwise null.")
    target_minutes: int = Field(..., description="The target, in business minutes of the clock's calendar.")
    started_at: datetime.datetime
    due_at: datetime.datetime | None = Field(..., description="When the target is reached. Null while paused "
                                             "(it would be now plus what is left); for a stopped clock, the due "
                                             "time that stood when it stopped.")
    state: Literal["running", "paused", "met", "breached"] = Field(
        ..., description="`breached` once the target is passed (running, paused or stopped); `met` when it "
        "stopped in time (for an OLA: the group resolved or handed on the ticket in time).")
    business_minutes_left: int | None = Field(..., description="Business minutes until the target; zero or "
                                              "negative when breached (how far past it), null when met.")
    breached_at: datetime.datetime | None = Field(..., description="When the target was passed (its due time).")
    met_at: datetime.datetime | None = Field(..., description="When the clock stopped in time.")
    policy: str | None = Field(..., description="The SLA policy's name (staff only; null for an OLA and for "
                                                "customers).")


class TicketOut(Out):
    id: int
    number: str
    type: str
    title: str
    description: str
    status: str
    pending_reason: str
    impact: int = Field(..., description=LEVEL_MEANING.strip())
    urgency: int = Field(..., description=LEVEL_MEANING.strip())
    priority: int = Field(..., description=PRIORITY_MEANING.strip())
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
    clocks: list[ClockOut] = Field(..., description="The ticket's SLA clocks: response and resolution, then "
                                     "each resolver group's OLA (staff only).")


class TicketPage(Out):
    items: list[TicketOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last.")


class TicketIn(Input):
    title: str = Field(..., min_length=1, max_length=255)
    description: str = Field("", **DESCRIPTION)
    type: TicketTypeName = "incident"
    category: Id | None = None
    impact: LevelIn | None = Field(None, description=LEVEL_MEANING + NAMES_TOO)
    urgency: LevelIn | None = Field(None, description=LEVEL_MEANING + NAMES_TOO)
    priority: PriorityIn | None = Field(None, description="Staff only: overrides the impact × urgency matrix "
                                        "(logged). " + PRIORITY_MEANING + NAMES_TOO)
    requester: Id | None = Field(None, description="Staff only: the user the ticket is for.")
    group: Id | None = Field(None, description="Staff only: route at once.")
    assignee: Id | None = None
    channel: ChannelName | None = Field(None, description="Staff only: how the contact came in.")
    watchers: list[Id] = []


# Every body that changes a ticket takes the version the caller read (optional: without it, no check).
EXPECTED_VERSION = Field(None, description="The version you read; a stale one gets 409 and changes nothing.")


class TicketPatch(Input):
    version: IdOrZero | None = EXPECTED_VERSION
    # Not nullable: a ticket always has these (leave one out to keep it).
    title: str = Field(None, min_length=1, max_length=255)
    description: str = Field(None, **DESCRIPTION)
    type: TicketTypeName = None
    category: Id | None = None
    impact: LevelIn = None
    urgency: LevelIn = None
    priority: PriorityIn = Field(None, description="Overrides the impact × urgency matrix (logged). "
                                 + PRIORITY_MEANING + NAMES_TOO)
    owner: Id | None = None
    group: Id | None = None
    assignee: Id | None = None


class TransitionIn(Input):
    action: str = Field(..., description="acknowledge, assign, start, pend, resume, resolve, confirm, reopen, close")
    version: IdOrZero | None = EXPECTED_VERSION
    comment: str = Field("", description="Written with the action; `resolve` needs one (the resolution, which the "
                         "requester is asked to confirm).", **COMMENT)
    internal: bool = False
    pending_reason: PendingReasonName | None = None
    group: Id | None = Field(None, description="For `assign`: the group to route to.")
    assignee: Id | None = Field(None, description="For `assign`: optionally a person of that group.")


class CommentIn(Input):
    body: str = Field(..., min_length=1, **COMMENT)
    internal: bool = False
    version: IdOrZero | None = EXPECTED_VERSION


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
    version: IdOrZero | None = Field(None, description="The version you read of this ticket (the one in the path); "
                                     "a stale one gets 409 and changes nothing.")


class LinkOut(Out):
    id: int
    kind: str
    direction: Literal["outgoing", "incoming"]
    ticket: Ref = Field(..., description="The other ticket (name is its number and title).")
    other_number: str
    created_at: datetime.datetime


class MergeIn(Input):
    into: str = Field(..., description="The original ticket's id or number; this ticket is merged into it.")
    version: IdOrZero | None = Field(None, description="The version you read of this ticket (the duplicate); a "
                                     "stale one gets 409 and changes nothing.")


class TimeEntryIn(Input):
    minutes: int = Field(..., ge=1, le=1440)
    note: str = ""
    spent_on: datetime.date | None = None
    version: IdOrZero | None = EXPECTED_VERSION


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
    version: IdOrZero | None = EXPECTED_VERSION


class Message(Out):
    message: str


class Invalid(Out):
    message: str
    errors: list[dict] = Field([], description="What is wrong where (pydantic's errors: type, loc, msg).")


class ConflictOut(Out):
    message: str
    current_version: int
    changes: list[dict]
