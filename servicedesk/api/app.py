"""The REST API: /api/v1/, OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs."""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer, SessionAuth

from servicedesk.accounts.models import ApiToken
from servicedesk.api.schemas import Invalid
from servicedesk.core.errors import ActionError
from servicedesk.core.middleware import refused_upload
from servicedesk.core.pagination import BadCursor
from servicedesk.core.ratelimit import Limit, client_address


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


def _answer(description: str, component: str = "Message") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}}


# Text the desk accepts (core/inputs.py): no NUL. (A lone surrogate cannot be said in a JSON Schema.)
STORABLE = "^[^\\x00]*$"


def _storable_strings(schema: dict, components: dict, seen: set | None = None) -> None:
    """Say in every free string of an input's schema that NUL is refused."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _storable_strings(components[name], components, seen)
        return
    if schema.get("type") == "string" and not {"enum", "const", "format", "pattern"} & set(schema):
        schema["pattern"] = STORABLE
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for part in schema.get(key, []):
            _storable_strings(part, components, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _storable_strings(schema[key], components, seen)
    for part in schema.get("properties", {}).values():
        _storable_strings(part, components, seen)


class DeskApi(NinjaAPI):
    """The OpenAPI says what every operation really answers: the errors raised at the edge, which no
    route lists (unauthenticated, invalid parameters, an unknown id in the path, a body that cannot be
    read), are added here for all, so a new route documents them too. (Not translated: the OpenAPI is
    one document for every client.)"""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"]["Invalid"] = Invalid.model_json_schema(
            ref_template="#/components/schemas/{model}")
        components = schema["components"]["schemas"]
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    _storable_strings(parameter["schema"], components)
                for content in operation.get("requestBody", {}).get("content", {}).values():
                    _storable_strings(content["schema"], components)
                answers = operation.setdefault("responses", {})
                parameters = operation.get("parameters", [])
                answers.setdefault(401, _answer("Not signed in, and no valid API token."))
                answers.setdefault(429, _answer("Too many unknown, revoked or expired tokens from this address; "
                                                "wait for `Retry-After` seconds."))
                if parameters or "requestBody" in operation:
                    answers[422] = _answer("A parameter or the body is not valid (`errors` says which).", "Invalid")
                if any(p["in"] == "path" for p in parameters):
                    answers.setdefault(404, _answer("Not found, or not yours to see."))
                if "requestBody" in operation:
                    answers.setdefault(400, _answer("The body cannot be read (malformed JSON or form data)."))
                    answers.setdefault(413, _answer("The body is too large."))
        return schema


class BrowserSession(SessionAuth):
    """A signed-in browser session, with Django's CSRF check. Without one the request is simply not
    authenticated (401, as for a bad token): ninja's own session auth checked CSRF first and answered 403
    "CSRF check Failed" to a client that had no session at all."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


api = DeskApi(
    title="Service Desk API",
    version="1",
    description="Everything an agent or a customer can do in the desk. Authenticate with "
    "`Authorization: Bearer <token>` (issued on the preferences page, by `POST /api/v1/me/tokens` or "
    "`servicedesk issue-token USERNAME`) or a browser session. An address that sends too many unknown, "
    "revoked or expired tokens within a minute gets 429 with `Retry-After` on every endpoint until it is under "
    "the limit again.",
    auth=[BearerToken(), BrowserSession()],
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


@api.exception_handler(BadCursor)
def on_bad_cursor(request, exc: BadCursor):
    return error(request, 400, str(exc))


@api.exception_handler(SuspiciousOperation)
def on_refused_body(request, exc: SuspiciousOperation):
    """A body Django will not read (too large, too many files or fields): answered here, in JSON, with
    the limit that was passed."""
    status, message = refused_upload(exc)
    return error(request, status, message)


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
    # django-ninja turns a body it cannot decode into an English "Cannot parse request body", raised from
    # the decoder's ValueError (JSONDecodeError, UnicodeDecodeError): said here in the user's language.
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        return error(request, 400, _("The body is not valid JSON."))
    return error(request, exc.status_code, str(exc.message))


from servicedesk.api import (  # noqa: E402  (routers register on the api above)
    announcements,
    changes,
    directory,
    knowledge,
    knowledge_links,
    knowledge_reading,
    major,
    routing,
    sla,
    telephony,
    tickets,
    tokens,
    webhooks,
)

api.add_router("/tickets", tickets.router)
api.add_router("/tickets", routing.router)
api.add_router("", directory.router)
api.add_router("", tokens.router)
api.add_router("", sla.router)
api.add_router("", knowledge_links.router)
api.add_router("", knowledge_reading.router)
api.add_router("/knowledge", knowledge.router)
api.add_router("/announcements", announcements.router)
api.add_router("/webhooks", webhooks.router)
api.add_router("/telephony", telephony.router)

from servicedesk.api import monitoring  # noqa: E402  (machine-authenticated webhooks: their own auth)

api.add_router("/monitoring", monitoring.router)
api.add_router("/tickets", major.router)
api.add_router("/changes", changes.router)

from servicedesk.api import report_exports, reports  # noqa: E402

api.add_router("/reports", reports.router)
api.add_router("/reports", report_exports.router)
from servicedesk.api import approvals  # noqa: E402

api.add_router("/approvals", approvals.router)
from servicedesk.api import cmdb  # noqa: E402

api.add_router("/cmdb", cmdb.router)

from servicedesk.api import problems  # noqa: E402

api.add_router("/problems", problems.router)

from servicedesk.api import surveys  # noqa: E402

api.add_router("/tickets", surveys.router)
from servicedesk.api import people  # noqa: E402

api.add_router("", people.router)
