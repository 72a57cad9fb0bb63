#!/usr/bin/env python3
"""Asterisk → service desk: reads the Asterisk Manager Interface (AMI) over TCP and posts the desk's signed CTI
events (docs/telephony.md). Python 3.10+, standard library only: copy this one file to the PBX.

    ASTERISK_AMI_SECRET=… SERVICEDESK_CTI_SECRET=… python3 asterisk_ami_bridge.py \
        --ami-host 127.0.0.1 --ami-user servicedesk --desk-url https://desk.example.com

AMI event → desk event (the call id is the caller's channel Uniqueid):
    QueueCallerJoin     → offered      (CallerIDNum, Queue; Newchannel's Exten is the number called)
    AgentConnect        → answered     (the agent: the extension of Interface "PJSIP/8001", else MemberName)
    BlindTransfer       → transferred  (Extension: the target agent's extension)
    QueueCallerAbandon  → abandoned
    Hangup              → ended        (for calls seen in a queue)
Each event id is the Uniqueid and the event's name (a transfer's also its time), so a bridge restarted on the
same events posts nothing the desk stores twice. A post that fails is retried with backoff.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import socket
import time
import urllib.error
import urllib.request

log = logging.getLogger("asterisk_ami_bridge")

SIGNATURE_HEADER = "X-ServiceDesk-Signature"
RETRIES = 4


def signature(secret: str, body: bytes, now: float | None = None) -> str:
    """The desk's signature (servicedesk/core/signing.py): HMAC-SHA256 over "<unix seconds>." + body. Written
    out here because this file runs on the PBX, where the desk's code is not installed."""
    timestamp = int(time.time() if now is None else now)
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def read_messages(stream):
    """AMI's messages: "Key: Value" lines, a blank line after each message."""
    message: dict[str, str] = {}
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if message:
                yield message
            message = {}
            continue
        key, _, value = line.partition(":")
        message[key.strip()] = value.strip()
    if message:
        yield message


def agent_of(message: dict) -> str:
    interface = message.get("Interface", "")
    return interface.rsplit("/", 1)[-1] if "/" in interface else message.get("MemberName", "")


class Bridge:
    def __init__(self, desk_url: str, secret: str, timeout: float = 10.0):
        self.url = desk_url.rstrip("/") + "/api/v1/telephony/events"
        self.secret = secret
        self.timeout = timeout
        self.called: dict[str, str] = {}  # Uniqueid → the number dialled (Newchannel)
        self.queued: set[str] = set()  # calls seen in a queue: their Hangup ends a desk call

    def translate(self, message: dict) -> dict | None:
        """The desk event for an AMI event, or None for one the desk does not need."""
        name, uid = message.get("Event", ""), message.get("Uniqueid", "")
        stamp = float(message["Timestamp"]) if message.get("Timestamp") else time.time()
        base = {"call_id": uid, "timestamp": stamp, "event_id": f"{uid}:{name}"}
        if name == "Newchannel":
            self.called[uid] = message.get("Exten", "")
            return None
        if name == "QueueCallerJoin":
            self.queued.add(uid)
            return {**base, "event": "offered", "direction": "inbound", "caller": message.get("CallerIDNum", ""),
                    "called": self.called.get(uid, ""), "queue": message.get("Queue", "")}
        if name == "AgentConnect":
            return {**base, "event": "answered", "agent": agent_of(message), "queue": message.get("Queue", "")}
        if name == "BlindTransfer":
            uid = message.get("TransfereeUniqueid", uid)
            return {**base, "call_id": uid, "event_id": f"{uid}:{name}:{stamp}", "event": "transferred",
                    "agent": message.get("TransfererCallerIDNum", ""), "to_agent": message.get("Extension", "")}
        if name == "QueueCallerAbandon":
            return {**base, "event": "abandoned", "queue": message.get("Queue", "")}
        if name == "Hangup" and uid in self.queued:
            self.queued.discard(uid)
            self.called.pop(uid, None)
            return {**base, "event": "ended"}
        return None

    def post(self, event: dict) -> bool:
        body = json.dumps(event).encode()
        for attempt in range(RETRIES):
            request = urllib.request.Request(self.url, data=body, method="POST", headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: signature(self.secret, body)})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    log.info("%s %s → %s", event["event"], event["call_id"], response.status)
                    return True
            except urllib.error.HTTPError as exc:
                if exc.code < 500:  # refused (a bad secret, a bad event): sending it again changes nothing
                    log.error("%s %s refused: %s %s", event["event"], event["call_id"], exc.code, exc.read()[:200])
                    return False
                log.warning("desk answered %s; retrying", exc.code)
            except (urllib.error.URLError, OSError) as exc:
                log.warning("desk unreachable (%s); retrying", exc)
            time.sleep(2 ** attempt)
        log.error("gave up on %s %s", event["event"], event["call_id"])
        return False

    def run(self, host: str, port: int, username: str, secret: str) -> None:
        """Log in and relay events until the connection closes."""
        with socket.create_connection((host, port), timeout=30) as connection:
            connection.settimeout(None)
            stream = connection.makefile("rb")
            log.info("connected: %s", stream.readline().decode("utf-8", "replace").strip())
            connection.sendall(f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\nEvents: call,agent\r\n"
                               "\r\n".encode())
            messages = read_messages(stream)
            answer = next(messages, {})
            if answer.get("Response") != "Success":
                raise SystemExit(f"AMI login refused: {answer.get('Message', answer)}")
            for message in messages:
                event = self.translate(message)
                if event is not None:
                    self.post(event)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ami-host", default="127.0.0.1")
    parser.add_argument("--ami-port", type=int, default=5038)
    parser.add_argument("--ami-user", required=True)
    parser.add_argument("--desk-url", required=True, help="the desk's address, e.g. https://desk.example.com")
    parser.add_argument("--once", action="store_true", help="stop when the AMI connection closes (else reconnect)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    ami_secret, cti_secret = os.environ.get("ASTERISK_AMI_SECRET", ""), os.environ.get("SERVICEDESK_CTI_SECRET", "")
    if not cti_secret:
        raise SystemExit("set SERVICEDESK_CTI_SECRET (one of the desk's SERVICEDESK_CTI_SECRETS)")
    bridge = Bridge(args.desk_url, cti_secret)
    while True:
        try:
            bridge.run(args.ami_host, args.ami_port, args.ami_user, ami_secret)
        except OSError as exc:
            log.warning("AMI connection lost (%s)", exc)
        if args.once:
            return
        time.sleep(5)


if __name__ == "__main__":
    main()
