"""What each kind of source posts, read into one shape (`Incoming`). A payload the desk cannot read raises
`BadPayload` with a message in the user's language (the webhook answers 400 with it)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from servicedesk.core.errors import ActionError

from .models import AlertState, SourceKind

MAX_ALERTS = 1000  # per request; Alertmanager's max_alerts is unlimited by default, a storm is a few hundred
# The columns the alert's fingerprint and link are kept in (monitoring.Alert); the title and severity are cut.
LIMITS = {"fingerprint": 200, "event_id": 200, "generatorURL": 1000, "url": 1000}


class BadPayload(ActionError):
    status_code = 400


@dataclass
class Incoming:
    fingerprint: str
    status: str  # AlertState
    title: str
    description: str = ""
    severity: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    generator_url: str = ""
    ends_at: datetime.datetime | None = None


def _object(body: bytes) -> dict:
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        raise BadPayload(_("The body is not JSON.")) from None
    if not isinstance(data, dict):
        raise BadPayload(_("The body is not a JSON object."))
    return data


def _text(data: dict, key: str, *, required: bool = False, where: str = "") -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise BadPayload(_("“%(field)s” is missing.") % {"field": where + key})
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadPayload(_("“%(field)s” is not text.") % {"field": where + key})
    return _storable(str(value).strip(), where + key, LIMITS.get(key))


def _storable(text: str, field: str, limit: int | None = None) -> str:
    """`text` as the database can keep it: PostgreSQL refuses NUL in text, and a field longer than its column."""
    if "\x00" in text:
        raise BadPayload(_("“%(field)s” may not contain the NUL character (\\u0000).") % {"field": field})
    if limit is not None and len(text) > limit:
        raise BadPayload(_("“%(field)s” is longer than %(limit)s characters.") % {"field": field, "limit": limit})
    return text


def _labels(value, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str | int | float) for v in value.values()):
        raise BadPayload(_("“%(field)s” is not an object of texts.") % {"field": where})
    return {_storable(str(k), where): _storable(str(v), where) for k, v in value.items()}


def _status(value: str, where: str) -> str:
    status = value.lower()
    if status not in AlertState.values:
        raise BadPayload(_("“%(field)s” is “%(value)s”; it is firing or resolved.") % {"field": where, "value": value})
    return status


def _time(value: str) -> datetime.datetime | None:
    try:
        moment = parse_datetime(value) if value else None
    except ValueError:
        moment = None
    # Alertmanager sends 0001-01-01T00:00:00Z for an alert that has not ended.
    return moment if moment is not None and moment.year > 1 else None


def alertmanager(body: bytes) -> list[Incoming]:
    """Alertmanager's webhook_config payload, version 4."""
    data = _object(body)
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        raise BadPayload(_("“%(field)s” is missing.") % {"field": "alerts"})
    if len(alerts) > MAX_ALERTS:
        raise BadPayload(_("Too many alerts in one request: at most %(limit)s.") % {"limit": MAX_ALERTS})
    found = []
    for index, alert in enumerate(alerts):
        where = f"alerts[{index}]."
        if not isinstance(alert, dict):
            raise BadPayload(_("“%(field)s” is not an object.") % {"field": f"alerts[{index}]"})
        labels = _labels(alert.get("labels"), where + "labels")
        annotations = _labels(alert.get("annotations"), where + "annotations")
        name = labels.get("alertname", "")
        summary = annotations.get("summary") or annotations.get("message") or ""
        found.append(Incoming(
            fingerprint=_text(alert, "fingerprint", required=True, where=where),
            status=_status(_text(alert, "status", required=True, where=where), where + "status"),
            title=": ".join(part for part in (name, summary) if part) or _("Alert"),
            description=annotations.get("description", ""),
            labels=labels,
            generator_url=_text(alert, "generatorURL", where=where),
            ends_at=_time(_text(alert, "endsAt", where=where)),
        ))
    return found


def _macro(value: str) -> str:
    """A Zabbix macro left unexpanded ("{EVENT.RECOVERY.ID}" in a problem's message) is no value."""
    return "" if value.startswith("{") and value.endswith("}") else value


def zabbix(body: bytes) -> list[Incoming]:
    """What the desk's Zabbix media type (docs/monitoring.md) sends for a problem, update or recovery."""
    data = _object(body)
    fields = {key: _macro(_text(data, key)) for key in (
        "event_id", "event_value", "event_status", "severity", "host", "trigger", "message", "url",
        "recovery_id", "event_tags")}
    if not fields["event_id"]:
        raise BadPayload(_("“%(field)s” is missing.") % {"field": "event_id"})
    recovered = fields["event_value"] == "0" or fields["event_status"].upper() in ("RESOLVED", "OK") \
        or bool(fields["recovery_id"])
    labels = {"host": fields["host"], "alertname": fields["trigger"]}
    if fields["event_tags"]:
        try:
            tags = json.loads(fields["event_tags"])
        except ValueError:
            raise BadPayload(_("“%(field)s” is not JSON.") % {"field": "event_tags"}) from None
        if not isinstance(tags, list) or not all(isinstance(t, dict) for t in tags):
            raise BadPayload(_("“%(field)s” is not a list of tags.") % {"field": "event_tags"})
        labels.update({_storable(str(t.get("tag", "")), "event_tags"): _storable(str(t.get("value", "")), "event_tags")
                       for t in tags if t.get("tag")})
    labels = {key: value for key, value in labels.items() if value}
    title = ": ".join(part for part in (fields["host"], fields["trigger"]) if part) or _("Alert")
    return [Incoming(fingerprint=fields["event_id"], status=AlertState.RESOLVED if recovered else AlertState.FIRING,
                     title=title, description=fields["message"], severity=fields["severity"], labels=labels,
                     generator_url=fields["url"])]


def plain(body: bytes) -> list[Incoming]:
    """The desk's own format: one alert per request (docs/monitoring.md)."""
    data = _object(body)
    return [Incoming(
        fingerprint=_text(data, "fingerprint", required=True),
        status=_status(_text(data, "status", required=True), "status"),
        title=_text(data, "title", required=True),
        description=_text(data, "description"),
        severity=_text(data, "severity"),
        labels=_labels(data.get("labels"), "labels"),
        generator_url=_text(data, "url"),
    )]


READERS = {SourceKind.ALERTMANAGER: alertmanager, SourceKind.ZABBIX: zabbix, SourceKind.JSON: plain}
