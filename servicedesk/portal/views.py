"""The customer portal: report a problem or ask for something, follow one's requests, reply, confirm.

Every read goes through `permissions.visible_tickets` / `can_see`, every change through
`tickets.actions`; the portal shows the public conversation only.
"""

import datetime
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from servicedesk import search
from servicedesk.cmdb import actions as cmdb_actions
from servicedesk.cmdb.visibility import own_devices
from servicedesk.core.downloads import stored_download
from servicedesk.core.inputs import parse_id
from servicedesk.core.pagination import BadCursor, paginate
from servicedesk.knowledge import ranking
from servicedesk.knowledge.actions import reading
from servicedesk.surveys import actions as surveys
from servicedesk.surveys import texts as survey_texts
from servicedesk.surveys.forms import RateForm
from servicedesk.tickets import actions, permissions
from servicedesk.tickets.models import Attachment, Channel, Comment, Status, Ticket, TicketType

from .catalogue import catalogue, local_name, progress
from .forms import ConfirmForm, NewRequestForm, ReopenForm, ReplyForm

PAGE_SIZE = 20
HOME_OPEN_LIMIT = 5
HOME_FAQ_LIMIT = 5


def _my_tickets(user):
    """The user's own requests (a desk member previewing the portal sees only their own, too)."""
    return permissions.visible_tickets(user).filter(requester=user)


def _list_columns(queryset):
    return queryset.select_related("category", "requester").only(
        "id", "number", "title", "type", "status", "pending_reason", "created_at", "updated_at", "acknowledged_at",
        "requester_id", "requester__username", "requester__first_name", "requester__last_name",
        "category_id", "category__name", "category__name_zh",
    )


@login_required
def home(request):
    user = request.user
    open_requests = list(
        _list_columns(_my_tickets(user).exclude(status=Status.CLOSED)).order_by("-updated_at", "-id")[
            : HOME_OPEN_LIMIT + 1
        ]
    )
    return render(request, "portal/home.html", {
        "catalogue": catalogue(),
        "open_requests": open_requests[:HOME_OPEN_LIMIT],
        "more_open": len(open_requests) > HOME_OPEN_LIMIT,
        "incident": TicketType.INCIDENT,
        "service_request": TicketType.SERVICE_REQUEST,
        "is_preview": user.is_desk_staff,
        "faq": ranking.faq(user, language=ranking.reader_language(), limit=HOME_FAQ_LIMIT),
    })


# ---------------------------------------------------------------------------------------------
# New request


def _sent_within(user, now: datetime.datetime, windows: list[int]) -> list[int]:
    """How many requests `user` sent through the portal within each window (seconds up to `now`): one
    statement answered from the index `ticket_requester_sent` alone. Written out: Django's aggregate took
    longer to build (~0.4 ms) than the database takes to answer it."""
    ops, quote = connection.ops, connection.ops.quote_name
    created = quote("created_at")
    starts = [ops.adapt_datetimefield_value(now - datetime.timedelta(seconds=seconds)) for seconds in windows]
    since = ops.adapt_datetimefield_value(now - datetime.timedelta(seconds=max(windows)))
    counts = ", ".join([f"COUNT(CASE WHEN {created} > %s THEN 1 END)"] * len(windows))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts} FROM {quote(Ticket._meta.db_table)} WHERE {quote('requester_id')} = %s "
                       f"AND {quote('channel')} = %s AND {created} > %s", [*starts, user.pk, Channel.PORTAL, since])
        return [int(count) for count in cursor.fetchone()]


def submit_wait(user) -> int:
    """Seconds until `user` may send another request through the portal, 0 when under both limits.

    The requests are the user's own portal tickets, so the count is exact over a sliding minute and hour
    and costs one read of an index: counters in the rate-limit cache cost two file writes a request on the
    embedded desk (each a rename that ext4 flushes, ~7 ms), more than the ticket. The database counts them
    in the index made for it (requester, channel, created), without reading a ticket: through the
    requester's queue index each request of the hour cost a row read, ~1 µs, which a customer with a raised
    limit paid on every request. Only a limit that is reached reads one row more, the one whose leaving
    frees it."""
    limits = [(count, seconds) for count, seconds in ((settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE, 60),
                                                      (settings.SERVICEDESK_PORTAL_SUBMITS_PER_HOUR, 3600))
              if count > 0]
    if not limits:
        return 0
    now = timezone.now()
    counted = _sent_within(user, now, [seconds for _count, seconds in limits])
    wait = 0.0
    for (count, seconds), sent in zip(limits, counted, strict=True):
        if sent >= count:  # free again when the count-th newest leaves the window
            nth = (Ticket.objects.filter(requester=user, channel=Channel.PORTAL,
                                         created_at__gt=now - datetime.timedelta(seconds=seconds))
                   .order_by("-created_at").values_list("created_at", flat=True)[count - 1])
            wait = max(wait, (nth - now).total_seconds() + seconds)
    return math.ceil(wait) if wait > 0 else 0


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request):
    status = 200
    if request.method == "POST":
        form = NewRequestForm(request.POST, request.FILES, devices=lambda: own_devices(request.user))
        wait = submit_wait(request.user) if form.is_valid() else 0
        if wait:
            # The form goes back as typed: nothing is lost, it can be sent again later.
            form.add_error(None, ngettext(
                "You have sent many requests in a short time: please wait %(minutes)d minute and send this "
                "one again. What you typed is kept below.",
                "You have sent many requests in a short time: please wait %(minutes)d minutes and send this "
                "one again. What you typed is kept below.",
                math.ceil(wait / 60),
            ) % {"minutes": math.ceil(wait / 60)})
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    ticket = actions.create_ticket(
                        actor=request.user, title=data["title"], description=data["description"],
                        type=data["type"], category=data["category"], urgency=data["urgency"],
                        channel=Channel.PORTAL, attachments=data["attachments"],
                    )
                    for device in data["devices"]:
                        cmdb_actions.link_item(ticket, device, actor=request.user, channel=Channel.PORTAL)
                    # In the same transaction: a database lost after the commit must not answer 503 for a
                    # request that is stored.
                    reading.record_draft_submitted(data["draft"], ticket)
            except actions.ActionError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Thank you. Your request %(number)s has been received; we will "
                                            "keep you posted here and by email.") % {"number": ticket.number})
                return redirect("portal:request", number=ticket.number)
        if form.files.getlist("attachments"):
            messages.warning(request, _("For your security, files are not kept when a form is sent back: "
                                        "please choose them again."))
    else:
        initial = {}
        kind = request.GET.get("type")
        if kind in (TicketType.INCIDENT, TicketType.SERVICE_REQUEST):
            initial["type"] = kind
        category = parse_id(request.GET.get("category"))
        if category:
            initial["category"] = category
        form = NewRequestForm(initial=initial, devices=lambda: own_devices(request.user))
    return render(request, "portal/new.html", {"form": form, "catalogue": catalogue()}, status=status)


# ---------------------------------------------------------------------------------------------
# My requests


def _list_state(request):
    user = request.user
    org_allowed = user.is_customer and permissions.customer_sees_organisation(user)
    scope = request.GET.get("scope", "mine")
    if scope != "organisation" or not org_allowed:
        scope = "mine"
    state = request.GET.get("state", "open")
    if state not in ("open", "closed", "all"):
        state = "open"
    return org_allowed, scope, state


@login_required
def request_list(request):
    user = request.user
    org_allowed, scope, state = _list_state(request)
    queryset = permissions.visible_tickets(user) if scope == "organisation" else _my_tickets(user)
    if state == "open":
        queryset = queryset.exclude(status=Status.CLOSED)
    elif state == "closed":
        queryset = queryset.filter(status=Status.CLOSED)
    # Words of the title, description or public replies (internal notes are not indexed), or a number.
    text = (request.GET.get("q") or "").strip()[:200]
    if text:
        queryset = search.search(queryset, text)
    cursor, status = request.GET.get("cursor") or None, 200
    try:
        page = paginate(_list_columns(queryset), "updated_at", True, PAGE_SIZE, after=cursor)
    except BadCursor:
        # A cursor the desk did not make: the first page, said so, as a 400 like the API's.
        messages.warning(request, _("That page link is no longer valid; here is the first page."))
        cursor, status = None, 400
        page = paginate(_list_columns(queryset), "updated_at", True, PAGE_SIZE)
    rows, next_cursor = page.rows, page.next_cursor
    base = {"scope": scope, "state": state, **({"q": text} if text else {})}
    context = {
        "rows": rows,
        "org_allowed": org_allowed,
        "scope": scope,
        "state": state,
        "first_page": not cursor,
        "next_url": f"{reverse('portal:requests')}?{urlencode({**base, 'cursor': next_cursor})}"
        if next_cursor else "",
        "scope_urls": {s: f"?{urlencode({**base, 'scope': s})}" for s in ("mine", "organisation")},
        "state_urls": {s: f"?{urlencode({**base, 'state': s})}" for s in ("open", "closed", "all")},
        "q": text,
        "show_requester": scope == "organisation",
    }
    if request.headers.get("HX-Request") and cursor:
        return render(request, "portal/_request_rows.html", context)
    return render(request, "portal/requests.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# One request


def _visible_ticket(user, number: str) -> Ticket:
    queryset = permissions.visible_tickets(user).select_related(
        "category", "category__parent", "category__service", "requester"
    )
    return get_object_or_404(queryset, number=number)


def _category_path(category) -> list[str]:
    if category is None:
        return []
    path = [local_name(category.service)]
    if category.parent_id:
        path.append(local_name(category.parent))
    path.append(local_name(category))
    return path


def _request_context(request, ticket: Ticket, *, reply_form=None, reopen_form=None, survey_form=None) -> dict:
    public_files = Attachment.objects.filter(internal=False).order_by("created_at", "id")
    comments = list(
        Comment.objects.filter(ticket=ticket, internal=False)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=public_files))
        .order_by("created_at", "id")
    )
    opening_files = list(public_files.filter(ticket=ticket, comment__isnull=True))
    allowed = set(actions.available_actions(ticket, request.user))
    return {
        "ticket": ticket,
        "category_path": _category_path(ticket.category),
        "comments": comments,
        "opening_files": opening_files,
        "progress": progress(ticket),
        "can_confirm": ticket.status == Status.RESOLVED and "confirm" in allowed,
        "can_reopen": "reopen" in allowed,
        "can_reply": ticket.status != Status.CLOSED,
        "reply_form": reply_form or ReplyForm(initial={"version": ticket.version}, auto_id="reply_%s"),
        "reopen_form": reopen_form or ReopenForm(initial={"version": ticket.version}, auto_id="reopen_%s"),
        "confirm_form": ConfirmForm(initial={"version": ticket.version}, auto_id="confirm_%s"),
        "is_own": ticket.requester_id == request.user.pk,
        # Asked right after confirming (and until answered): how did the desk do?
        "survey": surveys.open_survey(ticket) if ticket.requester_id == request.user.pk else None,
        "survey_form": survey_form or RateForm(auto_id="survey_%s"),
        "survey_texts": survey_texts.current(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, number: str):
    ticket = _visible_ticket(request.user, number)
    if request.method == "GET":
        return render(request, "portal/request.html", _request_context(request, ticket))

    action = request.POST.get("action", "reply")
    form_class, prefix = {
        "reply": (ReplyForm, "reply_%s"),
        "confirm": (ConfirmForm, "confirm_%s"),
        "reopen": (ReopenForm, "reopen_%s"),
        "rate": (RateForm, "survey_%s"),
    }.get(action, (None, None))
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, auto_id=prefix)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "reply":
                actions.add_comment(ticket, actor=request.user, body=data["body"], channel=Channel.PORTAL,
                                    attachments=data["attachments"], expected_version=data["version"])
                done = _("Your reply was added.")
            elif action == "confirm":
                actions.transition(ticket, "confirm", actor=request.user, channel=Channel.PORTAL,
                                   expected_version=data["version"])
                done = _("Thank you for confirming. %(number)s is now closed.") % {"number": ticket.number}
            elif action == "rate":
                survey = surveys.answer(ticket, actor=request.user, rating=data["rating"], comment=data["comment"],
                                        channel=Channel.PORTAL)
                texts = survey_texts.current()
                done = f"{texts.thanks} {texts.low_rating}" if survey.is_low else texts.thanks
            else:
                actions.transition(ticket, "reopen", actor=request.user, channel=Channel.PORTAL,
                                   expected_version=data["version"], comment=data["comment"])
                done = _("We have reopened %(number)s and will look at it again.") % {"number": ticket.number}
        except actions.ActionError as exc:
            messages.error(request, exc.message)
            status = 400
            if isinstance(exc, actions.Conflict):
                status = 409
                messages.info(request, _("This page now shows the latest changes, and what you typed is "
                                         "kept: check it and send again."))
            # Show the request as it is now, with what was typed kept and the version now shown.
            ticket = _visible_ticket(request.user, number)
            kept = {name: request.POST.get(name, "") for name in ("body", "comment")}
            form = form_class(initial={**kept, "version": ticket.version}, auto_id=prefix)
        else:
            messages.success(request, done)
            return redirect("portal:request", number=ticket.number)
    else:
        status = 400
    if action == "reply" and request.FILES.getlist("attachments"):
        messages.warning(request, _("Files are not kept when a form is sent back: please choose them again."))
    extra = {"reply": {"reply_form": form}, "reopen": {"reopen_form": form},
             "rate": {"survey_form": form}}.get(action, {})
    return render(request, "portal/request.html", _request_context(request, ticket, **extra), status=status)


@login_required
def download(request, attachment_id: int):
    """A public file of a request the user may see; anything else is not found."""
    attachment = get_object_or_404(Attachment.objects.select_related("ticket"), pk=attachment_id,
                                   internal=False)
    if not permissions.can_see(request.user, attachment.ticket):
        raise Http404
    try:
        return stored_download(attachment.file, attachment.filename)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
