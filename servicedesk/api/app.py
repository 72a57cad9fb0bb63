"""The REST API: /api/v1/, OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from servicedesk.accounts.models import ApiToken
from servicedesk.tickets.actions import ActionError


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a personal token with its user's rights."""

    def authenticate(self, request, token):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Service Desk API",
    version="1",
    description="Everything an agent or a customer can do in the desk. Authenticate with "
    "`Authorization: Bearer <token>` (`servicedesk issue-token USERNAME`) or a browser session.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    # The docs page loads ninja's bundled Swagger UI (no CDN); without a validator URL Swagger UI would
    # load a badge from validator.swagger.io, which the desk's CSP (and an offline desk) refuses.
    docs=Swagger(settings={"validatorUrl": None}),
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


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error(request, exc.status_code, str(exc.message))


from servicedesk.api import directory, routing, tickets  # noqa: E402  (routers register on the api above)

api.add_router("/tickets", tickets.router)
api.add_router("/tickets", routing.router)
api.add_router("", directory.router)
