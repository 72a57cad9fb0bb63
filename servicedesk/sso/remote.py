"""Calls to an identity provider's endpoints, and the refusals a flow ends in (each with a message for the
person signing in, in their language)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.utils.translation import gettext as _

from servicedesk.core.errors import ActionError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


class FlowError(ActionError):
    """The flow cannot go on (a provider down or answering nonsense, a bad or replayed answer)."""

    status_code = 400


class ProviderUnavailable(FlowError):
    status_code = 502


def unavailable(provider) -> ProviderUnavailable:
    return ProviderUnavailable(_("%(provider)s could not be reached or gave an answer the desk cannot use. Try "
                                 "again in a few minutes; if it goes on, tell the service desk.")
                               % {"provider": provider.name})


def not_this_browser() -> FlowError:
    return FlowError(_("This sign-in was not started in this browser, was already used, or took too long. "
                       "Please sign in again."))


def fetch_text(provider, url: str) -> str:
    """A document (a SAML metadata file); ProviderUnavailable when it cannot be had."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (URLs from admin)
            return response.read().decode("utf-8")
    except (urllib.error.URLError, OSError, ValueError) as error:
        log.warning("%s unreachable at %s: %s", provider.slug, url, error)
        raise unavailable(provider) from error


def call_json(provider, url: str, *, form: dict | None = None, body: dict | None = None,
              headers: dict | None = None, query: dict | None = None) -> dict:
    """The JSON object an endpoint answers (GET, or POST of a form or of JSON); ProviderUnavailable when it
    cannot be reached, fails (5xx) or answers something else. A refusal (4xx) whose body is JSON is returned
    as that JSON: OAuth endpoints explain a refusal there."""
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(query)}"
    data = None
    headers = {"Accept": "application/json", **(headers or {})}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (URLs from admin)
            raw = response.read()
    except urllib.error.HTTPError as error:
        raw = error.read()
        log.warning("%s answered %s to %s: %r", provider.slug, error.code, url, raw[:500])
        if error.code >= 500:
            raise unavailable(provider) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        log.warning("%s unreachable at %s: %s", provider.slug, url, error)
        raise unavailable(provider) from error
    try:
        answer = json.loads(raw)
    except ValueError as error:
        log.warning("%s answered no JSON at %s: %r", provider.slug, url, raw[:500])
        raise unavailable(provider) from error
    if not isinstance(answer, dict):
        raise unavailable(provider)
    return answer
