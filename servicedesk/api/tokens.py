"""/api/v1/me/tokens: one's own API tokens (list, issue, revoke)."""

import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as Reply
from pydantic import Field

from servicedesk.accounts import actions
from servicedesk.accounts.models import ApiToken
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotFound

from .schemas import Input, Message

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell it apart.")
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None = Field(description="Updated at most once a minute.")
    expires_at: datetime.datetime | None
    revoked: bool


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


class TokenIn(Input):
    name: str = Field("", max_length=100, description="A label to tell tokens apart.")
    expires_at: datetime.datetime | None = Field(None, description="When it stops working (default: never).")
    days: int | None = Field(
        None, description=f"Or: it stops working after this many days (1–{actions.TOKEN_MAX_DAYS})."
    )


def _token_out(token: ApiToken) -> dict:
    return {"id": token.pk, "name": token.name, "prefix": token.prefix, "created_at": token.created_at,
            "last_used_at": token.last_used_at, "expires_at": token.expires_at, "revoked": token.revoked}


@router.get("/me/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request):
    return [_token_out(t) for t in ApiToken.objects.filter(user=request.user)]


@router.post("/me/tokens", response={201: NewTokenOut, 400: Message, 422: Message}, summary="Issue an API token",
             description="Answers the new token once, in `token`. A token with an expiry stops working then.")
def create_token(request, payload: TokenIn):
    expires_at = payload.expires_at
    if expires_at is not None and payload.days is not None:
        raise ActionError(_("Give expires_at or days, not both."))
    if payload.days is not None:
        expires_at = actions.expiry_in_days(payload.days)
    token, raw = actions.issue_token(request.user, name=payload.name, expires_at=expires_at, actor=request.user,
                                     channel=audit.Channel.API)
    return Reply(201, {**_token_out(token), "token": raw})


@router.delete("/me/tokens/{int:token_id}", response={204: None, 404: Message}, summary="Revoke an API token",
               description="Revoked tokens stay listed as revoked. Another person's token is not found.")
def revoke_token(request, token_id: int):
    token = ApiToken.objects.select_related("user").filter(pk=token_id, user=request.user).first()
    if token is None:
        raise NotFound(_("API token not found."))
    actions.revoke_token(token, actor=request.user, channel=audit.Channel.API)
    return Reply(204, None)
