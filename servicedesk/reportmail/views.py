"""Unsubscribing by the link in a report mail (no sign-in: the signed token names the subscription). The page
says which report it stops and shows one button; only the POST unsubscribes (mail scanners follow links). The
POST needs no CSRF token: the signed token in the address is the whole authority (no session is used), and mail
programs post to it for RFC 8058's one-click unsubscribe."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from servicedesk.core.audit import Channel

from . import actions


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    if actions.token_subscription_id(token) is None:
        raise Http404
    subscription = actions.subscription_for_token(token)
    done = False
    if request.method == "POST" and subscription is not None:
        done = actions.unsubscribe_by_link(token, channel=Channel.EMAIL)
    return render(request, "reportmail/unsubscribe.html", {
        "subscription": None if done else subscription, "done": done})
