"""The one-click acknowledgement of a page (no sign-in: the signed token in the link names the page). The
page shows what was paged and one button; the button records it (a GET records nothing, so a mail scanner
that follows links acknowledges nothing)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from servicedesk.core.errors import NotFound

from . import actions


@require_http_methods(["GET", "POST"])
def acknowledge(request, token: str):
    page = actions.page_for_token(token)
    if page is None:
        raise Http404
    if request.method == "POST":
        try:
            page = actions.acknowledge_by_link(token)
        except NotFound:
            raise Http404 from None
    return render(request, "major/acknowledge.html", {"page": page, "major": page.major, "ticket": page.major.ticket})
