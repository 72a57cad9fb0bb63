"""Who may use the console's screens, and where a ticket's page is."""

import functools
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import RFC3986_SUBDELIMS


def staff_required(view):
    """Desk staff only: anonymous users sign in, customers go to the portal."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_desk_staff:
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


_MARK = "NUMBER"


def ticket_urls():
    """`ticket_url` for a page of rows: the route reversed once, each number quoted as reverse() quotes it
    (reverse() per row was a tenth of a search page's time)."""
    head, tail = ticket_url(_MARK).rsplit(_MARK, 1)
    return lambda number: head + quote(str(number), safe=RFC3986_SUBDELIMS + "/~:@") + tail


def ticket_url(number: str) -> str:
    """The console's ticket page (built elsewhere); the plain path while its route is not there."""
    try:
        return reverse("console:ticket", args=[number])
    except NoReverseMatch:
        return f"/console/tickets/{number}/"
