"""The REST API: /api/v1/, OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs."""

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer, django_auth

from servicedesk.accounts.models import ApiToken
from servicedesk.core.ratelimit import Limit, client_address
from servicedesk.tickets.actions import ActionError


def token_failure_limit() -> Limit:
    return Limit("api-token-failures", settings.SERVICEDESK_API_TOKEN_FAILURES_PER_MINUTE, 60)


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a personal token with its user's rights. An address that sent
    too many unknown, revoked or expired tokens within a minute gets 429 until it is under the limit again."""

    def authenticate(self, request, token):
        limit = token_failure_limit()
        address = client_address(request) or "unknown"
        wait = limit.retry_after(address)
        if wait:
            raise Throttled(wait=wait)
        user = ApiToken.authenticate(token)
        if user is None:
            limit.hit(address)
            return None
        request.user = user
        return user


api = NinjaAPI(
    title="Service Desk API",
    version="1",
    description="Everything an agent or a customer can do in the desk. Authenticate with "
    "`Authorization: Bearer <token>` (issued on the preferences page, by `POST /api/v1/me/tokens` or "
    "`servicedesk issue-token USERNAME`) or a browser session. An address that sends too many unknown, "
    "revoked or expired tokens within a minute gets 429 with `Retry-After` on every endpoint until it is under "
    "the limit again.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


def error(request, status: int, message: str, **details):
    return api.create_response(request, {"message": message, **details}, status=status)


@api.exception_handler(ActionError)
def on_action_error(request, exc: ActionError):
    return error(request, exc.status_code, exc.message, **exc.details)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, _("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error(request, 401, _("Sign in or send a valid API token (Authorization: Bearer <token>)."))


@api.exception_handler(ValidationError)
def on_invalid(request, exc: ValidationError):
    return error(request, 422, _("The request is not valid."), errors=exc.errors)


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    response = error(request, 429, _("Too many requests with an invalid API token from your address: "
                                     "try again in %(seconds)d seconds.") % {"seconds": exc.wait})
    response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error(request, exc.status_code, str(exc.message))


from servicedesk.api import directory, routing, tickets, tokens  # noqa: E402  (routers register on the api above)

api.add_router("/tickets", tickets.router)
api.add_router("/tickets", routing.router)
api.add_router("", directory.router)
api.add_router("", tokens.router)
