"""/api/v1/monitoring/{source}/{alertmanager|zabbix|json}: the monitoring webhooks (docs/monitoring.md).

Not a person's API: the source authenticates with its own token (`Authorization: Bearer …`, what
Alertmanager's http_config and a Zabbix media type send) or the desk's signature (core.signing). An unknown
source, a wrong or missing token and a bad signature are all 401, and nothing is stored.
"""

import hmac

from django.db import connection
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from servicedesk.accounts.models import hash_token
from servicedesk.core import rows, signing
from servicedesk.core.errors import ActionError
from servicedesk.monitoring import actions
from servicedesk.monitoring.models import AlertSource, SourceKind
from servicedesk.monitoring.payloads import READERS, BadPayload

from .schemas import Message

router = Router(tags=["monitoring"])


class Unauthenticated(ActionError):
    status_code = 401


class ReceivedOut(Schema):
    fingerprint: str
    outcome: str = Field(description="created, repeated, noted, resolved, reopened or ignored (a resolve of an "
                                     "alert never seen firing).")
    ticket: str | None = Field(description="The incident's number.")


class ReceiptOut(Schema):
    alerts: list[ReceivedOut]


def authenticated_source(request, slug: str) -> AlertSource:
    # core.rows: read on every delivery, without compiling the query each time.
    source = next(iter(rows.select(AlertSource, f"{connection.ops.quote_name('slug')} = %s", [slug])), None)
    if source is not None and source.is_active:
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip() and source.token_hash and hmac.compare_digest(
                hash_token(token.strip()), source.token_hash):
            return source
        if source.hmac_secret and signing.verify(request.META.get(signing.META_KEY), request.body,
                                                 source.hmac_secret):
            return source
    raise Unauthenticated(_("Send the alert source's token (Authorization: Bearer <token>) or its signature."))


def _receive(request, slug: str, kind: str) -> dict:
    source = authenticated_source(request, slug)
    if source.kind != kind:
        raise BadPayload(_("This alert source sends %(kind)s payloads: post them to …/%(path)s.")
                         % {"kind": source.get_kind_display(), "path": source.kind})
    received = actions.receive(source, READERS[kind](request.body))
    return {"alerts": [{"fingerprint": r.fingerprint, "outcome": r.outcome,
                        "ticket": r.ticket} for r in received]}


ANSWERS = {200: ReceiptOut, 400: Message, 401: Message}
NOTE = " Authenticated by the source's token or signature, not a person's."


@router.post("/{source}/alertmanager", response=ANSWERS, auth=None, summary="Prometheus Alertmanager webhook",
             description="Alertmanager's webhook_config payload (version 4)." + NOTE)
def alertmanager(request, source: str):
    return _receive(request, source, SourceKind.ALERTMANAGER)


@router.post("/{source}/zabbix", response=ANSWERS, auth=None, summary="Zabbix webhook",
             description="What the desk's Zabbix media type sends (docs/monitoring.md)." + NOTE)
def zabbix(request, source: str):
    return _receive(request, source, SourceKind.ZABBIX)


@router.post("/{source}/json", response=ANSWERS, auth=None, summary="Plain JSON alert",
             description="One alert: fingerprint, status (firing or resolved), title, description, severity, "
                         "labels, url." + NOTE)
def plain(request, source: str):
    return _receive(request, source, SourceKind.JSON)
