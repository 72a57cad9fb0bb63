"""/api/v1/tickets/{id}/route and /tags: routing rules on demand, and the tags rules added."""

from ninja import Router

from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.routing import engine
from servicedesk.tickets.models import Channel

from .schemas import ConflictOut, Message, Out, Ref, TicketOut
from .tickets import _get_ticket, _out

router = Router(tags=["routing"])


class AppliedOut(Out):
    rule: Ref
    changed: list[str]


class FailedOut(Out):
    rule: Ref
    message: str


class RouteOut(Out):
    ticket: TicketOut
    applied: list[AppliedOut]
    failed: list[FailedOut]
    assignment: str
    tags: list[str]


def _rule(rule) -> dict:
    return {"id": rule.pk, "name": rule.name}


@router.post("/{int:ticket_id}/route", response={200: RouteOut, 400: Message, 403: Message, 404: Message,
                                                 409: ConflictOut},
             summary="Apply the routing rules now")
def route(request, ticket_id: Id, version: IdOrZero | None = None):
    """Try the active routing rules in order on this open ticket, as the caller, then auto-assign it in its
    group if it has no person. `applied` lists the rules that matched and what each changed; `failed` the
    rules whose action the desk refused (their changes are undone, the history says why). `?version=` the
    version you read of the ticket: a stale one gets 409 and changes nothing."""
    ticket = _get_ticket(request, ticket_id)
    result = engine.route_ticket(ticket, actor=request.user, channel=Channel.API, expected_version=version)
    return {
        "ticket": _out(request, result.ticket),
        "applied": [{"rule": _rule(a.rule), "changed": a.changed} for a in result.applied],
        "failed": [{"rule": _rule(f.rule), "message": f.message} for f in result.failed],
        "assignment": result.assignment if request.user.is_desk_staff else "",
        "tags": [t.name for t in engine.tags_of(result.ticket)],
    }


@router.get("/{int:ticket_id}/tags", response={200: list[str], 404: Message}, summary="Tags")
def list_tags(request, ticket_id: Id):
    """The ticket's tags (added by routing rules), by name."""
    ticket = _get_ticket(request, ticket_id)
    return [t.name for t in engine.tags_of(ticket)]
