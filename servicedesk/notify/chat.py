"""Chat robots: notifications posted to a chat app's incoming webhook (群机器人), through the outbox like mail.

Planned once: ``plan_chat`` stores one ``OutboundMessage`` per robot (channel "chat", address "robot:<id>"),
rendered at once in the robot's language, so the outbox's unique key (event, ticket, address, source key)
plans it once per event and robot. Sent once: ``notify.sending`` claims the row and calls ``send`` here, which
builds the platform's own payload and signature at send time (DingTalk and Feishu refuse old timestamps) and
reads the platform's answer; a failure goes back to the outbox's backoff, a permanent refusal stops it.

Who is told: a group's robot only of that group's tickets (new in its queue, its SLA warnings and breaches, and
whatever a later feature tells groups); a person's robot only what that person is mailed (``notify.planning``).

The message is Markdown from ``notify/chat/<language>/<event>.md`` (``generic.md`` for an event without one):
its first line is the title. Every template sees ``desk_name``, ``event`` (its label), ``robot`` {name} and what
the planner's ``build_context`` gives: ticket events ``ticket`` (``notify.context.ticket_context``, the console's
link) and ``group``/``assignee`` or ``sla`` {target, percent, due, group}; the generic one shows ``ticket`` when
given, then ``text`` and a link to ``url`` when given. Each platform gets it in the form it documents:

- WeCom group robot: ``{"msgtype": "markdown", "markdown": {"content": …}}``, answer ``errcode`` 0.
- DingTalk custom robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; 加签: HMAC-SHA256 keyed
  with the secret over ``timestamp + "\\n" + secret`` (milliseconds), base64, sent as ``&timestamp=&sign=``;
  answer ``errcode`` 0.
- Feishu/Lark custom bot: ``msg_type`` "post" (rich text: lines of text and link elements); 签名校验: HMAC-SHA256
  keyed with ``timestamp + "\\n" + secret`` (seconds) over an empty message, base64, as "timestamp" and
  "sign" in the body; answer ``code`` 0.
- Slack incoming webhook: ``text`` (the notification's fallback) and ``blocks`` with a mrkdwn section; answer
  ``ok``.
- Microsoft Teams (a Workflows webhook or a classic incoming webhook): a message with one Adaptive Card
  attachment; answer 202 (Workflows) or ``1`` (incoming webhook).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zoneinfo
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import select_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Desk
from servicedesk.tickets.models import Ticket

from . import context as ctx
from .models import (
    MessageChannel,
    OutboundMessage,
    Platform,
    Robot,
    State,
    outbox_event_choices,
    validate_webhook_url,
)

log = logging.getLogger(__name__)

# What a platform keeps of one message (WeCom's markdown content: 4096 bytes; Slack's section: 3000 characters).
MAX_BYTES = 4000
MAX_SLACK_SECTION = 3000


class ChatError(Exception):
    """A message the chat app did not take. ``permanent``: sending it again will not change that."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


# ---------------------------------------------------------------------------------------------
# Who is told


def robots_for(*, users=(), groups=(), event: str) -> list[Robot]:
    """The active robots of these people (users or ids) and groups (groups or ids) that subscribe to ``event``."""
    user_ids = {getattr(user, "pk", user) for user in users}
    group_ids = {getattr(group, "pk", group) for group in groups}
    if not user_ids and not group_ids:
        return []
    owners = Q(user_id__in=user_ids, user__is_active=True) | Q(group_id__in=group_ids, group__is_active=True)
    found = Robot.objects.filter(owners, is_active=True).select_related("group", "user").order_by("id")
    # Few robots per group or person: the subscription is read here rather than by a JSON lookup SQLite lacks.
    return [robot for robot in found if event in robot.events]


# ---------------------------------------------------------------------------------------------
# Planned once


def event_label(event: str) -> str:
    return str(dict(outbox_event_choices()).get(event, event))


def render_message(event: str, language: str, context: dict) -> tuple[str, str]:
    """(title, Markdown text) of the event in ``language`` (active while the context was built)."""
    template = select_template([f"notify/chat/{language}/{event}.md", f"notify/chat/{language}/generic.md"])
    with translation.override(language):
        text = template.template.render(Context(context, autoescape=False))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = _plain(lines[0].lstrip("#").strip()) if lines else event_label(event)
    return title, text


def _message_id() -> str:
    domain = getattr(settings, "SERVICEDESK_NOTIFY_MESSAGE_ID_DOMAIN", "") or "localhost"
    return f"sd.chat.{uuid.uuid4().hex}@{domain}"


def plan_chat(event: str, robots: Iterable[Robot], *, ticket: Ticket | None, source_key: str,
              build_context: Callable[[Robot], dict]) -> list[int]:
    """Store one chat message per robot for this event (once per event, ticket, robot and source key);
    returns the ids of the rows to send.

    ``build_context(robot)`` gives the template's context; it is called with the robot's language and the
    desk's time zone active (``timezone.get_current_timezone_name()``). Every message also sees
    ``desk_name``, ``event`` (its label) and ``robot`` {name}.
    """
    robots = list({robot.pk: robot for robot in robots if robot.pk is not None}.values())
    if not robots:
        return []
    planned = set(OutboundMessage.objects.filter(event=event, ticket=ticket, source_key=source_key,
                                                 address__in=[robot.address for robot in robots])
                  .values_list("address", flat=True))
    desk = ticket.desk if ticket is not None else (Desk.objects.filter(is_default=True).first()
                                                   or Desk.objects.order_by("id").first())
    time_zone = ctx.time_zone_for(None, desk)
    queued = []
    for robot in robots:
        if robot.address in planned:
            continue
        fields = {"subject": "", "body_text": "", "state": State.QUEUED, "last_error": ""}
        try:
            with translation.override(robot.language), timezone.override(zoneinfo.ZoneInfo(time_zone)):
                context = {"desk_name": ctx.desk_name(ticket), "event": event_label(event),
                           "robot": {"name": robot.name}}
                context.update(build_context(robot))
                title, text = render_message(event, robot.language, context)
            fields.update(subject=title[:500], body_text=text)
        except Exception as error:
            # Kept as failed with the reason (admin), not lost in a log: the message was due.
            log.exception("Rendering %s for robot %s failed", event, robot.pk)
            fields.update(state=State.FAILED, last_error=_("The notification could not be written: %(error)s")
                          % {"error": f"{type(error).__name__}: {error}"[:1900]})
        try:
            with transaction.atomic():
                row = OutboundMessage.objects.create(
                    event=event, channel=MessageChannel.CHAT, robot=robot, ticket=ticket, recipient=robot.user,
                    address=robot.address, source_key=source_key, language=robot.language, message_id=_message_id(),
                    **fields)
        except IntegrityError:
            continue  # planned at the same moment by another worker: that one sends it
        if row.state == State.QUEUED:
            queued.append(row.pk)
    return queued


# ---------------------------------------------------------------------------------------------
# Each platform's payload and signature

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _plain(markdown: str) -> str:
    return _BOLD.sub(r"\1", _LINK.sub(r"\1", markdown))


def _cut(text: str, limit: int = MAX_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode(errors="ignore") + "…"


def _body(text: str) -> str:
    """The text without its title line (for the platforms that show the title apart)."""
    return text.partition("\n")[2].strip()


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, timestamp + "\\n" + secret)); the caller URL-encodes it."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(timestamp: str, secret: str) -> str:
    """Feishu/Lark's 签名校验: base64(HMAC-SHA256(key=timestamp + "\\n" + secret, empty message))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _wecom(robot: Robot, title: str, text: str, now: float) -> tuple[str, dict]:
    return robot.webhook_url, {"msgtype": "markdown", "markdown": {"content": _cut(text)}}


def _dingtalk(robot: Robot, title: str, text: str, now: float) -> tuple[str, dict]:
    url = robot.webhook_url
    if robot.secret:
        timestamp = str(int(now * 1000))
        query = urllib.parse.urlencode({"timestamp": timestamp, "sign": dingtalk_sign(timestamp, robot.secret)})
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + query
    return url, {"msgtype": "markdown", "markdown": {"title": title, "text": _cut(text)}}


def _feishu_line(line: str) -> list[dict]:
    """One line of Markdown as Feishu rich-text elements: text and links."""
    elements, position = [], 0
    for link in _LINK.finditer(line):
        if link.start() > position:
            elements.append({"tag": "text", "text": _plain(line[position:link.start()])})
        elements.append({"tag": "a", "text": _plain(link.group(1)), "href": link.group(2)})
        position = link.end()
    if position < len(line):
        elements.append({"tag": "text", "text": _plain(line[position:])})
    return elements


def _feishu(robot: Robot, title: str, text: str, now: float) -> tuple[str, dict]:
    lines = [line.lstrip("> ").strip() for line in _cut(_body(text)).splitlines()]
    locale = "zh_cn" if robot.language.startswith("zh") else "en_us"
    payload = {"msg_type": "post", "content": {"post": {locale: {
        "title": title, "content": [_feishu_line(line) for line in lines if line]}}}}
    if robot.secret:
        timestamp = str(int(now))
        payload.update(timestamp=timestamp, sign=feishu_sign(timestamp, robot.secret))
    return robot.webhook_url, payload


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_mrkdwn(markdown: str) -> str:
    """Markdown as Slack's mrkdwn: *bold*, <url|text>, headings as bold lines, &, < and > escaped."""
    out = []
    for line in markdown.splitlines():
        heading = re.match(r"#+\s+(.*)", line)
        line = _slack_escape(f"**{heading.group(1)}**" if heading else line)
        line = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", line)
        out.append(_BOLD.sub(r"*\1*", line))
    return "\n".join(out)


def _slack(robot: Robot, title: str, text: str, now: float) -> tuple[str, dict]:
    section = slack_mrkdwn(text)[:MAX_SLACK_SECTION]
    return robot.webhook_url, {"text": _slack_escape(title),
                               "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": section}}]}


def _teams(robot: Robot, title: str, text: str, now: float) -> tuple[str, dict]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
        "body": [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
                 {"type": "TextBlock", "text": _cut(_body(text)), "wrap": True}],
    }
    return robot.webhook_url, {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


PAYLOADS = {Platform.WECOM: _wecom, Platform.DINGTALK: _dingtalk, Platform.FEISHU: _feishu,
            Platform.SLACK: _slack, Platform.TEAMS: _teams}


def payload(robot: Robot, title: str, text: str, now: float | None = None) -> tuple[str, bytes]:
    """(URL, JSON body) of one message to the robot, signed as its platform requires at ``now``."""
    url, body = PAYLOADS[robot.platform](robot, title, text, time.time() if now is None else now)
    return url, json.dumps(body, ensure_ascii=False).encode()


# ---------------------------------------------------------------------------------------------
# Sent once (called by notify.sending, which claimed the row)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answers where it is: a redirect is refused, not followed to an address nobody checked."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _answer_error(platform: str, data: bytes) -> str:
    """What is wrong with a 2xx answer ("" when the platform took the message)."""
    text = data.decode(errors="replace").strip()
    if platform == Platform.SLACK:
        return "" if text == "ok" else text or "(empty)"
    if platform == Platform.TEAMS:
        # Workflows answer 202 with nothing; a classic incoming webhook "1", and its errors as text with a 200.
        return "" if text in ("", "1") else text
    try:
        answer = json.loads(text)
    except ValueError:
        return text or "(empty)"
    if not isinstance(answer, dict):
        return text
    if platform == Platform.FEISHU:
        code = answer.get("code", answer.get("StatusCode"))
    else:
        code = answer.get("errcode")
    return "" if code == 0 else text


def _short(data: bytes) -> str:
    return data.decode(errors="replace").strip()[:500]


def send(row: OutboundMessage) -> None:
    """Post the row's message to its robot; raises ``ChatError`` when the platform did not take it."""
    robot = row.robot
    if robot is None:
        raise ChatError(_("The chat robot was deleted."), permanent=True)
    if not robot.is_active:
        raise ChatError(_("The chat robot is switched off."), permanent=True)
    try:
        validate_webhook_url(robot.webhook_url)
    except ValidationError as error:
        raise ChatError(" ".join(error.messages), permanent=True) from None
    url, body = payload(robot, row.subject, row.body_text)
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    timeout = int(getattr(settings, "SERVICEDESK_CHAT_TIMEOUT_SECONDS", 10))
    try:
        with _opener.open(request, timeout=timeout) as response:
            answer = response.read(65536)
    except urllib.error.HTTPError as error:
        detail = _short(error.read(2000))
        if error.code == 429 or error.code >= 500:
            raise ChatError(_("The chat app could not take the message now (HTTP %(status)s): %(detail)s")
                            % {"status": error.code, "detail": detail}) from None
        raise ChatError(_("The chat app refused the message (HTTP %(status)s): %(detail)s")
                        % {"status": error.code, "detail": detail}, permanent=True) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ChatError(_("The chat app could not be reached: %(reason)s") % {"reason": reason}) from None
    except ValueError as error:
        raise ChatError(_("The robot's webhook address cannot be used: %(reason)s") % {"reason": error},
                        permanent=True) from None
    problem = _answer_error(robot.platform, answer)
    if problem:
        raise ChatError(_("The chat app answered with an error: %(detail)s") % {"detail": problem[:500]})

