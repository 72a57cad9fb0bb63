"""/api/v1/tickets: thin routes over `servicedesk.tickets.actions` and the scoping rule."""

import datetime
from typing import Annotated, Literal

from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from ninja.renderers import JSONRenderer
from pydantic import Field, TypeAdapter, WithJsonSchema

from servicedesk.accounts.models import Group, User
from servicedesk.core.downloads import stored_download
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.core.pagination import paginate
from servicedesk.tickets import actions, permissions
from servicedesk.tickets import filters as ticket_filters
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import (
    Attachment,
    Category,
    Channel,
    Comment,
    HistoryEntry,
    Ticket,
    TicketLink,
    TimeEntry,
)
from servicedesk.tickets.queries import attach_people, ticket_reference

from . import serialize, surveys
from .schemas import (
    AttachmentOut,
    ClockOut,
    CommentIn,
    CommentOut,
    ConflictOut,
    HistoryOut,
    LinkIn,
    LinkOut,
    MergeIn,
    Message,
    PriorityIn,
    TicketIn,
    TicketOut,
    TicketPage,
    TicketPatch,
    TimeEntryIn,
    TimeEntryOut,
    TransitionIn,
    WatchersIn,
)
from .surveys import TicketDetailOut

router = Router(tags=["tickets"])
# The API's renderer (app.py uses ninja's default), for the list rendered without a second validation.
RENDERER = JSONRenderer()

ERRORS = {400: Message, 403: Message, 404: Message, 409: ConflictOut, 422: Message}

LIST_JOINED = ("organisation", "group", "category", "desk")


def _channel(request, requested: str | None = None) -> str:
    """Staff may say how a contact came in (a phone call logged through the API); customers use the API."""
    if requested and request.user.is_desk_staff:
        return requested
    return Channel.API


def _visible(request):
    return permissions.visible_tickets(request.user).select_related(*LIST_JOINED)


def _get_ticket(request, ticket_id: Id) -> Ticket:
    ticket = _visible(request).filter(pk=ticket_id).first()
    if ticket is None:
        raise actions.NotFound(_("Ticket not found."))
    attach_people([ticket])
    return ticket


def _find_ticket(request, key: str) -> Ticket:
    """A ticket by id or by number, among those the user may see."""
    key = (key or "").strip()
    lookup = ticket_reference(key)
    ticket = _visible(request).filter(lookup).first() if lookup is not None else None
    if ticket is None:
        raise actions.NotFound(_("Ticket %(key)s not found.") % {"key": key})
    attach_people([ticket])
    return ticket


def _user(pk: int | None, label: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise actions.ActionError(_("No active user with id %(id)s (%(field)s).") % {"id": pk, "field": label})
    return user


def _people(request, pks: list[int], label: str) -> list[User]:
    """Watchers to add or remove. A customer names only themselves (the action's rule); refusing
    before the lookup keeps which user ids exist to itself."""
    if not request.user.is_desk_staff and any(pk != request.user.pk for pk in pks):
        raise actions.NotAllowed(_("Customers can only add or remove themselves as watchers."))
    return [_user(pk, label) for pk in pks]


def _group(pk: int | None) -> Group | None:
    if pk is None:
        return None
    group = Group.objects.filter(pk=pk).first()
    if group is None:
        raise actions.ActionError(_("No group with id %(id)s.") % {"id": pk})
    return group


def _category(pk: int | None) -> Category | None:
    if pk is None:
        return None
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise actions.ActionError(_("No category with id %(id)s.") % {"id": pk})
    return category


def _out(request, ticket: Ticket) -> dict:
    # Re-read with the related rows the JSON needs (the action returned the locked row only). The views that
    # change a ticket are atomic, so this read comes before the commit: a database lost now rolls the change
    # back with its 503, and once committed nothing is left to fail (a 503 means "not stored").
    fresh = Ticket.objects.select_related(*LIST_JOINED).get(pk=ticket.pk)
    attach_people([fresh])
    return serialize.ticket(fresh, request.user, tickets_refdata.transitions())


def _documented_as(kind, lenient):
    """A filter parameter documented (OpenAPI) as `kind` but read as text: the ticket filter checks it, so
    that a bad value gets the same message from the API and the screens."""
    return Annotated[lenient, WithJsonSchema(TypeAdapter(kind).json_schema())]


PEOPLE = r"^(|me|none|[0-9]{1,19})$"
Person = _documented_as(Annotated[str, Field(pattern=PEOPLE)] | None, str | None)
OptionalId = _documented_as(Id | None, str | None)


# Documents the list's parameters; `ticket_filters.parse` reads and checks them (all but the paging).
class TicketFilters(Schema):
    status: list[str] = Field([], description="Repeat or comma-separate; `open` means every open status.")
    type: list[str] = []
    priority: _documented_as(list[PriorityIn], list[str]) = []
    group: _documented_as(list[Id], list[str]) = []
    assignee: Person = Field(None, description="A user id, `me`, or `none` (unassigned).")
    owner: Person = Field(None, description="A user id, `me`, or `none`.")
    requester: Person = Field(None, description="A user id, `me`, or `none`.")
    organisation: OptionalId = None
    category: OptionalId = None
    channel: str | None = None
    q: str | None = Field(None, description="Words, all of which appear in the title, description or public replies "
                                           "(Chinese or English), or the exact ticket number.")
    breached: _documented_as(bool | None, str | None) = Field(
        None, description="`true`: tickets with a breached clock (one the caller sees: customers, response and "
                          "resolution only); `false`: tickets with none.")
    due_before: _documented_as(datetime.datetime | None, str | None) = Field(
        None, description="Tickets with a running clock due before this time (ISO 8601 with a time zone; overdue "
                          "ones included).")
    ordering: _documented_as(Literal[tuple(ticket_filters.ORDERINGS)], str) = Field(  # type: ignore[valid-type]
        ticket_filters.DEFAULT_ORDERING, description=(
            "`due_at` / `-due_at`: by the due time of the ticket's soonest running clock (that the caller sees); "
            "tickets without a running clock come last either way. That ordering sorts every ticket the filters "
            "let through: narrow it (e.g. `status=open`) on a large desk."))
    cursor: str | None = Field(None, description="`next_cursor` of the page before; a cursor the desk did not "
                                                 "make is a 400.")
    limit: int = Field(50, ge=1, le=200)


@router.get("", response={200: TicketPage, 400: Message, 422: Message}, summary="List tickets")
def list_tickets(request, filters: Query[TicketFilters]):
    """Tickets the caller may see, newest activity first by default. Paginate with `next_cursor`:
    a deep page costs what the first does."""
    chosen = ticket_filters.parse(request.GET)
    qs = chosen.apply(permissions.visible_tickets(request.user), request.user)
    page = paginate(qs.values(*chosen.columns(*serialize.LIST_COLUMNS)), chosen.field, chosen.descending,
                    filters.limit, after=filters.cursor, nulls_last=chosen.nulls_last)
    transitions = tickets_refdata.transitions()
    # Rendered as it is: serialize.ticket_rows builds TicketOut's fields exactly (tests/api/test_list_shape.py
    # checks them against the schema); having ninja validate and dump a page of them again cost a fifth of
    # the request.
    page = {"items": serialize.ticket_rows(page.rows, request.user, transitions), "next_cursor": page.next_cursor}
    return HttpResponse(RENDERER.render(request, page, response_status=200),
                        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")


@router.post("", response={201: TicketOut, **ERRORS}, summary="Open a ticket")
@transaction.atomic
def create_ticket(request, payload: TicketIn):
    user = request.user
    ticket = actions.create_ticket(
        actor=user,
        title=payload.title,
        description=payload.description,
        type=payload.type,
        channel=_channel(request, payload.channel),
        requester=_user(payload.requester, "requester") if user.is_desk_staff else None,
        category=_category(payload.category),
        impact=payload.impact,
        urgency=payload.urgency,
        priority=payload.priority,
        group=_group(payload.group),
        assignee=_user(payload.assignee, "assignee"),
        watchers=_people(request, payload.watchers, "watchers"),
    )
    return Reply(201, _out(request, ticket))


@router.get("/{int:ticket_id}", response={200: TicketDetailOut, 404: Message}, summary="Read a ticket")
def read_ticket(request, ticket_id: Id):
    ticket = _get_ticket(request, ticket_id)
    return {**serialize.ticket(ticket, request.user, tickets_refdata.transitions()),
            "surveys": surveys.answers(ticket, request.user)}


@router.get("/{int:ticket_id}/clocks", response={200: list[ClockOut], 404: Message}, summary="SLA clocks")
def list_clocks(request, ticket_id: Id):
    """The ticket's clocks, as in its `clocks`: customers get the response and resolution times promised
    to them, staff also each resolver group's OLA and the policy's name."""
    ticket = _get_ticket(request, ticket_id)
    return serialize.clocks([ticket.pk], request.user)[ticket.pk]


@router.patch("/{int:ticket_id}", response={200: TicketOut, **ERRORS}, summary="Change fields or route")
@transaction.atomic
def update_ticket(request, ticket_id: Id, payload: TicketPatch):
    """Send only the fields to change, with the `version` you read. `group`/`assignee` route the ticket."""
    ticket = _get_ticket(request, ticket_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    changes = {}
    for name, value in data.items():
        if name == "category":
            changes[name] = _category(value)
        elif name == "group":
            changes[name] = _group(value)
        elif name in ("owner", "assignee"):
            changes[name] = _user(value, name)
        else:
            changes[name] = value
    updated = actions.update_ticket(ticket, actor=request.user, expected_version=version, changes=changes)
    return _out(request, updated)


@router.post("/{int:ticket_id}/transitions", response={200: TicketOut, **ERRORS}, summary="Take a lifecycle action")
@transaction.atomic
def take_transition(request, ticket_id: Id, payload: TransitionIn):
    """`{"action": "acknowledge"}` and so on; the ticket's `actions` lists what the caller may take now."""
    ticket = _get_ticket(request, ticket_id)
    updated = actions.transition(
        ticket, payload.action, actor=request.user, expected_version=payload.version, comment=payload.comment,
        internal=payload.internal, pending_reason=payload.pending_reason, group=_group(payload.group),
        assignee=_user(payload.assignee, "assignee"),
    )
    return _out(request, updated)


def _visible_attachments(request, ticket):
    qs = Attachment.objects.filter(ticket=ticket).select_related("uploaded_by")
    if not permissions.sees_internal(request.user):
        qs = qs.filter(internal=False)
    return qs


@router.get("/{int:ticket_id}/comments", response={200: list[CommentOut], 404: Message}, summary="Conversation")
def list_comments(request, ticket_id: Id):
    """Public replies, and internal notes for desk staff, oldest first."""
    ticket = _get_ticket(request, ticket_id)
    qs = Comment.objects.filter(ticket=ticket).select_related("author")
    if not permissions.sees_internal(request.user):
        qs = qs.filter(internal=False)
    qs = qs.prefetch_related(Prefetch("attachments", queryset=_visible_attachments(request, ticket)))
    return [serialize.comment(c, c.attachments.all()) for c in qs]


@router.post("/{int:ticket_id}/comments", response={201: CommentOut, **ERRORS}, summary="Reply or note")
def add_comment(request, ticket_id: Id, payload: CommentIn):
    ticket = _get_ticket(request, ticket_id)
    comment = actions.add_comment(ticket, actor=request.user, body=payload.body, internal=payload.internal,
                                  expected_version=payload.version)
    return Reply(201, serialize.comment(comment, []))


@router.get("/{int:ticket_id}/attachments", response={200: list[AttachmentOut], 404: Message})
def list_attachments(request, ticket_id: Id):
    ticket = _get_ticket(request, ticket_id)
    return [serialize.attachment(a) for a in _visible_attachments(request, ticket)]


@router.post("/{int:ticket_id}/attachments", response={201: AttachmentOut, 413: Message, **ERRORS},
             summary="Upload a file")
def upload_attachment(request, ticket_id: Id, file: File[UploadedFile], internal: Form[bool] = False,
                      version: Form[IdOrZero | None] = None):
    """A multipart form: `file`, optionally `internal` and the `version` you read (a stale one gets 409 and
    stores nothing)."""
    ticket = _get_ticket(request, ticket_id)
    attachment = actions.add_attachment(ticket, actor=request.user, upload=file, internal=internal,
                                        expected_version=version)
    return Reply(201, serialize.attachment(attachment))


@router.get("/attachments/{int:attachment_id}/download", url_name="download_attachment",
            response={200: None, 404: Message}, summary="Download a file")
def download_attachment(request, attachment_id: Id):
    """Only for users who may see the ticket (and, for internal files, desk staff)."""
    attachment = get_object_or_404(Attachment.objects.select_related("ticket"), pk=attachment_id)
    if not permissions.can_see(request.user, attachment.ticket) or (
        attachment.internal and not permissions.sees_internal(request.user)
    ):
        raise actions.NotFound(_("Attachment not found."))
    try:
        return stored_download(attachment.file, attachment.filename)
    except (FileNotFoundError, ValueError):
        raise actions.NotFound(_("Attachment not found.")) from None


@router.get("/{int:ticket_id}/history", response={200: list[HistoryOut], 404: Message}, summary="History")
def list_history(request, ticket_id: Id, after: IdOrZero = 0, limit: int = Query(500, ge=1, le=2000)):
    """Every change, oldest first: who, when, through which channel, which field, old and new value."""
    ticket = _get_ticket(request, ticket_id)
    qs = HistoryEntry.objects.filter(ticket=ticket, id__gt=after).select_related("actor").order_by("id")
    if not permissions.sees_internal(request.user):
        qs = qs.filter(internal=False)
    entries = list(qs[:limit])
    permissions.hide_unseen_references(request.user, entries)
    return [serialize.history(h) for h in entries]


def _link_out(link: TicketLink, ticket: Ticket) -> dict:
    outgoing = link.source_id == ticket.pk
    other = link.target if outgoing else link.source
    return {"id": link.pk, "kind": link.kind, "direction": "outgoing" if outgoing else "incoming",
            "ticket": {"id": other.pk, "name": f"{other.number} {other.title}"}, "other_number": other.number,
            "created_at": link.created_at}


@router.get("/{int:ticket_id}/links", response={200: list[LinkOut], 404: Message}, summary="Links")
def list_links(request, ticket_id: Id):
    """Outgoing links read "this ticket is <kind> the other"; incoming ones the reverse."""
    ticket = _get_ticket(request, ticket_id)
    links = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related("source", "target")
    visible = set(permissions.visible_tickets(request.user).filter(
        pk__in={pk for link in links for pk in (link.source_id, link.target_id)}).values_list("pk", flat=True))
    return [_link_out(link, ticket) for link in links if {link.source_id, link.target_id} <= visible]


@router.post("/{int:ticket_id}/links", response={201: LinkOut, **ERRORS}, summary="Link to another ticket")
def add_link(request, ticket_id: Id, payload: LinkIn):
    ticket = _get_ticket(request, ticket_id)
    target = _find_ticket(request, payload.target)
    created = actions.link(ticket, target, payload.kind, actor=request.user, expected_version=payload.version)
    created = TicketLink.objects.select_related("source", "target").get(pk=created.pk)
    return Reply(201, _link_out(created, ticket))


@router.delete("/{int:ticket_id}/links/{int:link_id}", response={204: None, **ERRORS}, summary="Remove a link")
def remove_link(request, ticket_id: Id, link_id: Id, version: IdOrZero | None = None):
    """`?version=` the version you read of this ticket (a query parameter: DELETE has no body); a stale one
    gets 409 and removes nothing."""
    ticket = _get_ticket(request, ticket_id)
    actions.unlink(ticket, link_id, actor=request.user, expected_version=version)
    return Reply(204, None)


@router.post("/{int:ticket_id}/merge", response={200: TicketOut, **ERRORS}, summary="Merge into another ticket")
@transaction.atomic
def merge_ticket(request, ticket_id: Id, payload: MergeIn):
    """This ticket's conversation moves to `into`; this one is closed as its duplicate. Returns `into`."""
    ticket = _get_ticket(request, ticket_id)
    target = _find_ticket(request, payload.into)
    merged = actions.merge(ticket, target, actor=request.user, expected_version=payload.version)
    return _out(request, merged)


@router.get("/{int:ticket_id}/time-entries", response={200: list[TimeEntryOut], 403: Message, 404: Message})
def list_time(request, ticket_id: Id):
    ticket = _get_ticket(request, ticket_id)
    if not permissions.sees_internal(request.user):
        raise actions.NotAllowed(_("Only desk staff see time entries."))
    return [serialize.time_entry(e) for e in TimeEntry.objects.filter(ticket=ticket).select_related("agent")]


@router.post("/{int:ticket_id}/time-entries", response={201: TimeEntryOut, **ERRORS}, summary="Log time")
def add_time(request, ticket_id: Id, payload: TimeEntryIn):
    ticket = _get_ticket(request, ticket_id)
    entry = actions.log_time(ticket, actor=request.user, minutes=payload.minutes, note=payload.note,
                             spent_on=payload.spent_on, expected_version=payload.version)
    return Reply(201, serialize.time_entry(entry))


@router.post("/{int:ticket_id}/watchers", response={200: list[dict], **ERRORS}, summary="Add or remove watchers")
def change_watchers(request, ticket_id: Id, payload: WatchersIn):
    ticket = _get_ticket(request, ticket_id)
    updated = actions.set_watchers(
        ticket, actor=request.user,
        add=_people(request, payload.add, "add"),
        remove=_people(request, payload.remove, "remove"),
        expected_version=payload.version,
    )
    return [serialize.user_ref(u) for u in updated.watchers.all()]
