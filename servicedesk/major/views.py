"""The one-click acknowledgement of a page (no sign-in: the signed token in the link names the page). The
page shows what was paged and one button; the button records it (a GET records nothing, so a mail scanner
that follows links acknowledges nothing)."""

from __future__ import annotations

import zoneinfo

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from servicedesk.core.errors import NotFound
from servicedesk.notify.context import time_zone_for

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
    # No sign-in, so no time zone of the reader's: the contact's, else the desk's.
    with timezone.override(zoneinfo.ZoneInfo(time_zone_for(page.user, page.major.ticket.desk))):
        return render(request, "major/acknowledge.html", {"page": page, "ticket": page.major.ticket})
