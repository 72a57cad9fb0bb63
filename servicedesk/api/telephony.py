"""/api/v1/telephony/events: the CTI webhook (docs/telephony.md). No user signs in: the body is signed with
core.signing by a secret the CTI shares with the desk (SERVICEDESK_CTI_SECRETS), and the secret that verifies
names the CTI source. A bad or missing signature is a 401 and nothing is read or stored; the signature is
checked before the body is parsed, so a stranger learns nothing of what the desk accepts."""

from __future__ import annotations

import datetime
import json
from typing import Literal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from servicedesk.accounts.identity import system_user
from servicedesk.core import signing
from servicedesk.core.inputs import find_text_problem
from servicedesk.telephony import actions
from servicedesk.telephony.models import Direction, State

from .app import error
from .schemas import Invalid, Message, Out

router = Router(tags=["telephony"])

DEFAULT_SOURCE = "default"
FIRST_YEAR, LAST_YEAR = 2000, 2100


def cti_sources() -> dict[str, list[str]]:
    """Each CTI source's secrets: "secret" is the default source's, "name:secret" a named one's."""
    sources: dict[str, list[str]] = {}
    for item in settings.SERVICEDESK_CTI_SECRETS:
        name, colon, secret = item.partition(":")
        if not colon:
            name, secret = DEFAULT_SOURCE, item
        if name.strip() and secret.strip():
            sources.setdefault(name.strip(), []).append(secret.strip())
    return sources


def signed_source(request) -> str | None:
    """The CTI source whose secret signed the request, or None."""
    value = request.META.get(signing.META_KEY)
    for name, secrets in cti_sources().items():
        if signing.verify(value, request.body, secrets):
            return name
    return None


class CtiEventIn(BaseModel):
    """One CTI event. Fields a CTI sends beyond these are kept with the event, not read."""

    model_config = ConfigDict(extra="allow")

    event: Literal[tuple(State.values)] = Field(  # type: ignore[valid-type]
        ..., description="offered, answered, transferred, abandoned or ended.")
    event_id: str = Field(..., min_length=1, max_length=128,
                          description="Unique per event and source: a replay of the same id is stored once.")
    call_id: str = Field(..., min_length=1, max_length=128, description="The CTI's id of the call (unique per "
                                                                         "source).")
    timestamp: datetime.datetime = Field(..., description="When it happened: ISO 8601 (UTC when no offset is "
                                         "given) or Unix seconds.")
    direction: Literal[tuple(Direction.values)] | None = None  # type: ignore[valid-type]
    caller: str = Field("", max_length=64, description="The caller's number, as the CTI has it.")
    called: str = Field("", max_length=64, description="The number called.")
    agent: str = Field("", max_length=150, description="The agent's username or phone extension.")
    queue: str = Field("", max_length=200, description="The queue: a resolver group's name, or any "
                                                                 "name.")
    recording_url: str = Field("", max_length=1000, description="http(s) link to the recording.")
    to_agent: str = Field("", max_length=150, description="transferred: the target agent (username or "
                                                          "extension).")
    to_queue: str = Field("", max_length=200, description="transferred: the target group's name.")

    @field_validator("timestamp")
    @classmethod
    def _sane_time(cls, value: datetime.datetime) -> datetime.datetime:
        if timezone.is_naive(value):
            value = value.replace(tzinfo=datetime.UTC)
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"the time must lie between the years {FIRST_YEAR} and {LAST_YEAR}")
        return value

    @field_validator("recording_url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("a recording link starts with http:// or https://")
        return value

    def to_event(self) -> actions.CtiEvent:
        return actions.CtiEvent(
            kind=self.event, event_id=self.event_id, call_id=self.call_id, at=self.timestamp,
            direction=self.direction or "", caller=self.caller, called=self.called, agent=self.agent,
            queue=self.queue, recording_url=self.recording_url, to_agent=self.to_agent, to_queue=self.to_queue)


class CallEventOut(Out):
    call: int = Field(..., description="The desk's id of the call record.")
    state: str = Field(..., description="The call's state after the event.")
    stored: bool = Field(..., description="False for an event id already stored (a replay): nothing changed.")


@router.post(
    "/events", auth=None, response={200: CallEventOut, 400: Message, 401: Message, 422: Invalid},
    summary="Receive a CTI event (signed)",
    description="A call's event from the phone system: see docs/telephony.md. Signed with the header "
    f"`{signing.HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.\" + body>` by a secret in "
    "SERVICEDESK_CTI_SECRETS; otherwise 401 and nothing is stored.",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": CtiEventIn.model_json_schema()}}}},
)
def cti_event(request):
    source = signed_source(request)
    if source is None:
        return error(request, 401, _("The CTI signature is missing or wrong: nothing was stored."))
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return error(request, 400, _("The body is not valid JSON."))
    if not isinstance(data, dict):
        return error(request, 422, _("The body must be a JSON object."))
    problem = find_text_problem(data)
    if problem:
        return error(request, 422, _("The request is not valid."),
                     errors=[{"loc": list(problem[0]), "msg": problem[1]}])
    try:
        event = CtiEventIn.model_validate(data)
    except ValidationError as exc:
        return error(request, 422, _("The request is not valid."),
                     errors=json.loads(exc.json(include_url=False, include_context=False)))
    call, stored = actions.receive_event(source, event.to_event(), data, actor=system_user())
    return {"call": call.pk, "state": call.state, "stored": stored}
