"""The console is for desk staff: everyone else gets a 404 (no hint that a ticket exists)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from servicedesk.tickets.permissions import visible_tickets


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_desk_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def visible_ticket(user, number: str, queryset=None):
    """The ticket numbered `number` if `user` may see it, else 404."""
    return get_object_or_404(visible_tickets(user, queryset), number=number.upper())
