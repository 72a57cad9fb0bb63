"""Service notices on the screens everyone reaches: the public status page (no sign-in) and the banner's
"dismiss" (for the rest of the session). The banner itself is announcements.banner, shown by the portal's
and the console's base templates."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.announcements import actions, banner, visibility
from servicedesk.announcements.models import Phase
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError, NotFound

RECENT_DAYS = 7


def _by_service(notices) -> list[tuple[str, list]]:
    """[(service name, notices)], services in catalogue order, notices for no service under "All services"."""
    groups: dict[tuple, tuple[str, list]] = {}
    for notice in notices:
        services = list(notice.services.all()) or [None]
        for service in services:
            key = (0, service.order, service.name) if service else (-1, 0, "")
            groups.setdefault(key, (str(service) if service else _("All services"), []))[1].append(notice)
    return [groups[key] for key in sorted(groups)]


@require_GET
def status(request):
    """Current and planned notices by service, and those ended in the last week: the public ones for
    everyone, and for a signed-in customer also those of their organisation."""
    now = timezone.now()
    shown = (visibility.readable(request.user)
             .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now - datetime.timedelta(days=RECENT_DAYS)))
             .prefetch_related("services").order_by("starts_at", "id"))
    phases: dict[str, list] = {Phase.CURRENT: [], Phase.PLANNED: [], Phase.ENDED: []}
    for notice in shown:
        phases[notice.phase(now)].append(notice)
    return render(request, "portal/status.html", {
        "sections": [("current", _("Current notices"), _by_service(phases[Phase.CURRENT]),
                      _("All services are running normally.")),
                     ("planned", _("Planned"), _by_service(phases[Phase.PLANNED]), _("No planned changes."))],
        "ended": sorted(phases[Phase.ENDED], key=lambda n: n.ends_at, reverse=True),
    })


@login_required
@require_POST
def dismiss(request, pk: int):
    banner.dismiss(request, pk)
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def subscribe(request, pk: int):
    """"Subscribe instead": the customer is told by e-mail when the notice is updated or ends; no ticket."""
    try:
        actions.subscribe(pk, actor=request.user, channel=Channel.PORTAL)
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("portal:new")
    messages.success(request, _("Subscribed: we will e-mail you when this problem is updated or solved. "
                                "You do not need to send a request about it."))
    return redirect("portal:home")
