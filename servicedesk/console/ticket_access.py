"""The console is for desk staff: everyone else gets a 404 (no hint that a ticket exists)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from servicedesk.tickets.models import Ticket
from servicedesk.tickets.permissions import can_see


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_desk_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def visible_ticket(user, number: str, queryset=None):
    """The ticket numbered `number` if `user` may see it, else 404. Read by its unique number and
    checked by `can_see`, the Python statement of the scoping rule (held equal to the SQL one by
    tests): the rule as SQL made a one-row read cost more to plan than to run."""
    ticket = get_object_or_404(Ticket.objects.all() if queryset is None else queryset, number=number.upper())
    if not can_see(user, ticket):
        raise Http404
    return ticket
