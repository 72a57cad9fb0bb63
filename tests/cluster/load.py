"""The cluster test's clients: agents and customers of the demo desk sending what they do on a working day,
through all three web processes and the mail receiver, each request written down with the answer it got."""

import random
import re
import smtplib
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage

import httpx

from .desk import AGENTS, CUSTOMERS, MAILBOX

PASSWORD = "demo-pass-123"  # the demo's (servicedesk/accounts/demo.py)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A client gives up after this long: an answer that takes longer counts as a hang.
TIMEOUT = 15.0
# Agent actions the load takes when the ticket offers them (close and reopen are the customer's or time's).
TRANSITIONS = {"acknowledge", "start", "pend", "resume", "resolve"}


@dataclass
class Entry:
    op: str
    port: int
    status: int  # 0: no answer (connection refused, or a hang past TIMEOUT)
    ticket: int | None = None  # the ticket the request changed or created (a portal or mail creation: None)
    key: str = ""  # what finds a portal or mail creation in the census: its number or Message-ID
    title: str = ""  # a creation's title (unique): a refused creation must not be stored under it
    changes: bool = True  # a request that changes a ticket when accepted (reads: False)
    json: bool | None = None  # the answer's body was JSON
    api: bool = False  # sent to /api/
    seconds: float = 0.0
    at: float = 0.0

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 400


class Load:
    def __init__(self, cluster, info: dict):
        self.cluster = cluster
        self.info = info
        self.entries: list[Entry] = []
        self.tickets: dict[int, str] = {}  # ticket id → the customer it is for
        self._lock = threading.Lock()
        self.stop_at = 0.0  # the clients stop at this time.monotonic()

    # -- bookkeeping ---------------------------------------------------------------------------------

    def _write(self, entry: Entry) -> Entry:
        with self._lock:
            self.entries.append(entry)
            if entry.op.startswith("create") and entry.accepted and entry.ticket:
                self.tickets[entry.ticket] = entry.key
        return entry

    def _request(self, client: httpx.Client, op: str, method: str, path: str, *, changes=True, **kwargs) -> tuple:
        port = random.choice(self.cluster.web_ports)
        started = time.monotonic()
        try:
            response = client.request(method, f"http://127.0.0.1:{port}{path}", timeout=TIMEOUT, **kwargs)
        except httpx.HTTPError:
            return self._write(Entry(op, port, 0, changes=changes, api=path.startswith("/api/"),
                                     seconds=time.monotonic() - started, at=time.time())), None
        is_json = response.headers.get("content-type", "").startswith("application/json")
        entry = Entry(op, port, response.status_code, changes=changes, json=is_json, api=path.startswith("/api/"),
                      seconds=time.monotonic() - started, at=time.time())
        return entry, response

    def _random_ticket(self, customer: str | None = None) -> int | None:
        with self._lock:
            ids = [pk for pk, owner in self.tickets.items() if customer in (None, owner)]
        return random.choice(ids) if ids else None

    # -- what people do ------------------------------------------------------------------------------

    def agent(self, name: str) -> None:
        user = self.info["users"][name]
        client = httpx.Client(headers={"Authorization": f"Bearer {user['token']}"})
        agents = [self.info["users"][a]["id"] for a in AGENTS]
        while time.monotonic() < self.stop_at:
            ticket = self._random_ticket()
            if ticket is None or random.random() < 0.1:
                self.create_api(client, random.choice(CUSTOMERS), on_behalf=True)
                continue
            entry, read = self._request(client, "read", "GET", f"/api/v1/tickets/{ticket}", changes=False)
            self._write(entry)
            if not entry.accepted:
                continue
            body = read.json()
            version, offered = body["version"], TRANSITIONS.intersection(body["actions"])
            kind = random.choice(["comment"] + (["assign"] if "assign" in body["actions"] else [])
                                 + (["transition"] * 2 if offered else []))
            if kind == "assign":
                # Someone else than the assignee: routing a ticket where it is already changes nothing.
                current = (body.get("assignee") or {}).get("id")
                payload = {"version": version, "group": self.info["first_line"],
                           "assignee": random.choice([a for a in agents if a != current])}
                entry, _ = self._request(client, "assign", "PATCH", f"/api/v1/tickets/{ticket}", json=payload)
            elif kind == "comment":
                payload = {"version": version, "body": f"Looking into it ({uuid.uuid4().hex[:8]}).",
                           "internal": random.random() < 0.3}
                entry, _ = self._request(client, "reply (agent)", "POST", f"/api/v1/tickets/{ticket}/comments",
                                         json=payload)
            else:
                action = random.choice(sorted(offered))
                payload = {"version": version, "action": action}
                if action == "pend":
                    payload["pending_reason"] = "customer"
                if action == "resolve":
                    payload["comment"] = "Fixed: restarted the service."
                entry, _ = self._request(client, f"transition {action}", "POST",
                                         f"/api/v1/tickets/{ticket}/transitions", json=payload)
            entry.ticket = ticket
            self._write(entry)

    def create_api(self, client: httpx.Client, customer: str, on_behalf: bool = False) -> Entry:
        token = uuid.uuid4().hex[:12]
        payload = {"title": f"API {token} printer jam", "description": "The printer on floor 3 jams."}
        if on_behalf:
            payload["requester"] = self.info["users"][customer]["id"]
        entry, response = self._request(client, "create (API)", "POST", "/api/v1/tickets", json=payload)
        entry.title = payload["title"]
        if entry.accepted:
            entry.ticket = response.json()["id"]
        entry.key = customer
        return self._write(entry)

    def customer(self, name: str) -> None:
        user = self.info["users"][name]
        api = httpx.Client(headers={"Authorization": f"Bearer {user['token']}"})
        browser = httpx.Client()
        signed_in = False
        while time.monotonic() < self.stop_at:
            kind = random.choice(["api", "portal", "mail", "reply", "reply"])
            ticket = self._random_ticket(name)
            if kind == "reply" and ticket:
                entry, _ = self._request(api, "reply (customer)", "POST", f"/api/v1/tickets/{ticket}/comments",
                                         json={"body": f"Any news? ({uuid.uuid4().hex[:8]})"})
                entry.ticket = ticket
                self._write(entry)
            elif kind == "portal":
                signed_in = signed_in or self.sign_in(browser, name)
                if signed_in:
                    self.create_portal(browser, name)
            elif kind == "mail":
                self.send_mail(name)
            else:
                self.create_api(api, name)

    def _form_token(self, browser: httpx.Client, op: str, path: str) -> str | None:
        """The CSRF token of the form at path, as a browser reads it before it sends the form."""
        entry, form = self._request(browser, op, "GET", path, changes=False)
        self._write(entry)
        token = CSRF.search(form.text) if entry.accepted else None
        return token.group(1) if token else None

    def sign_in(self, browser: httpx.Client, name: str) -> bool:
        token = self._form_token(browser, "sign in", "/login/")
        if token is None:
            return False
        entry, _ = self._request(browser, "sign in", "POST", "/login/", changes=False, data={
            "csrfmiddlewaretoken": token, "username": name, "password": PASSWORD, "next": ""})
        self._write(entry)
        return entry.status == 302

    def create_portal(self, browser: httpx.Client, name: str) -> Entry | None:
        token = self._form_token(browser, "read", "/portal/new/")
        if token is None:
            return None
        data = {"csrfmiddlewaretoken": token, "type": "incident", "urgency": "2",
                "title": f"Portal {uuid.uuid4().hex[:12]} cannot print", "description": "Nothing comes out."}
        entry, response = self._request(browser, "create (portal)", "POST", "/portal/new/", data=data)
        entry.title = data["title"]
        if entry.status == 302 and "/portal/requests/" in response.headers.get("location", ""):
            entry.key = response.headers["location"].rstrip("/").rsplit("/", 1)[1]
        elif entry.accepted:
            entry.status = 200 if entry.status == 302 else entry.status  # sent back (not stored): not a creation
        return self._write(entry)

    def send_mail(self, name: str) -> Entry:
        message = EmailMessage()
        message["From"] = self.info["users"][name]["email"]
        message["To"] = MAILBOX
        message["Subject"] = f"Mail {uuid.uuid4().hex[:12]} VPN drops"
        message["Message-ID"] = f"<{uuid.uuid4().hex}@customer.test>"
        message.set_content("The VPN drops every ten minutes.")
        started = time.monotonic()
        try:
            with smtplib.SMTP("127.0.0.1", self.cluster.mail_port, timeout=TIMEOUT) as smtp:
                smtp.send_message(message)
            status = 250
        except smtplib.SMTPResponseException as error:
            status = error.smtp_code
        except smtplib.SMTPRecipientsRefused as error:  # refused at RCPT: an answer, not a dropped connection
            status = next(iter(error.recipients.values()))[0]
        except (OSError, smtplib.SMTPException):
            status = 0
        entry = Entry("create (mail)", self.cluster.mail_port, status, key=message["Message-ID"].strip("<>"),
                      seconds=time.monotonic() - started, at=time.time())
        if status == 250:
            entry.status = 202  # the receiver took it (250): accepted, filed afterwards
        return self._write(entry)

    # -- a run ---------------------------------------------------------------------------------------

    def start(self, clients: int, seconds: float = float("inf")) -> list[threading.Thread]:
        self.stop_at = time.monotonic() + seconds
        people = [(self.agent, AGENTS[n % len(AGENTS)]) if n % 2 else (self.customer, CUSTOMERS[n % len(CUSTOMERS)])
                  for n in range(clients)]
        threads = [threading.Thread(target=work, args=(name,)) for work, name in people]
        for thread in threads:
            thread.start()
        return threads

    def finish(self, threads: list[threading.Thread], now: bool = True) -> None:
        if now:
            self.stop_at = 0.0
        for thread in threads:
            thread.join()

    def run(self, clients: int, seconds: float) -> None:
        self.finish(self.start(clients, seconds), now=False)

    def counts(self, since: float = 0.0) -> Counter:
        tally = Counter()
        for entry in self.entries:
            if entry.at >= since:
                tally[(entry.op, "sent")] += 1
                tally[(entry.op, "accepted" if entry.accepted else str(entry.status))] += 1
        return tally
