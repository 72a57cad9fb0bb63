"""Schemathesis against the live API (`/api/v1/openapi.json`), as a customer, an agent and an
administrator: no server error, and every response's status code and body as the OpenAPI documents.

The desk runs on loopback (pytest-django's live server) with the demo desk and a few tickets;
`st run` (the CLI of the pinned schemathesis) is bounded in examples per operation and in time, with
a fixed seed, and its counts are printed."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from servicedesk.accounts.models import ApiToken, User
from servicedesk.tickets import actions

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
MAX_EXAMPLES = 10
SECONDS_PER_ROLE = int(os.environ.get("SERVICEDESK_SCHEMATHESIS_SECONDS", 40))
ROLES = ("customer1", "agent1", "admin")
FAR_TOKEN_ID = 7_340_033_000


@pytest.fixture
def api_desk(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # schemathesis sends unknown tokens on purpose (its authentication checks): the per-address limit on
    # them (tested in tests/accounts) would answer 429 to everything that follows from this one address.
    settings.SERVICEDESK_API_TOKEN_FAILURES_PER_MINUTE = 1_000_000
    call_command("demo", no_tickets=True, stdout=open(os.devnull, "w"))
    people = {u.username: u for u in User.objects.all()}
    first = None
    for n, (requester, title) in enumerate([("customer1", "Printer jam"), ("customer2", "VPN 连接不上"),
                                            ("customer3", "Need a laptop"), ("customer1", "Email bounces")]):
        ticket = actions.create_ticket(actor=people[requester], title=title, description="Details")
        actions.add_comment(ticket, actor=people["agent1"], body="Looking at it", internal=n % 2 == 0)
        actions.add_attachment(ticket, actor=people[requester], upload=SimpleUploadedFile("log.txt", b"log"))
        if first is None:
            first = ticket
        else:
            actions.link(ticket, first, "related", actor=people["agent1"])
    actions.log_time(first, actor=people["agent1"], minutes=15)
    return people


def schemathesis(url: str, token: str, folder: Path) -> tuple[int, str]:
    program = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    command = [program, "run", url, "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
               "--max-examples", str(MAX_EXAMPLES), "--max-time", str(SECONDS_PER_ROLE), "--workers", "1",
               "--seed", "11", "--request-timeout", "20", "--wait-for-schema", "10", "--no-shrink"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=SECONDS_PER_ROLE + 120,
                          env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"})
    return done.returncode, done.stdout + done.stderr


def counts(output: str) -> str:
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) unique failures", output)
    return (f"{tested.group(1) if tested else '?'} operations, {cases.group(1) if cases else '?'} cases, "
            f"{failures.group(1) if failures else 0} failures")


def test_the_api_keeps_its_openapi_promises(api_desk, live_server, tmp_path, capsys):
    url = f"{live_server.url}/api/v1/openapi.json"
    results = {}
    for n, username in enumerate(ROLES):
        issued, token = ApiToken.issue(api_desk[username])
        # Fuzzing `DELETE /me/tokens/{token_id}` tries small ids first and, when it hits the role's own
        # token, revokes it: every request after that fails auth (and soon 429s), blamed on whatever
        # runs next. An id far from the small ones keeps the role signed in for its whole run.
        # Each role's below the one before: SQLite numbers the tokens a run creates from the highest id up.
        ApiToken.objects.filter(pk=issued.pk).update(id=FAR_TOKEN_ID - 1000 * n)
        code, output = schemathesis(url, token, tmp_path)
        results[username] = (code, output)
        with capsys.disabled():  # the counts show in every run's log, passed or not
            print(f"\nschemathesis as {username}: {counts(output)} (exit {code})")
    failed = {name: output for name, (code, output) in results.items() if code != 0}
    assert not failed, "\n\n".join(f"== as {name} ==\n{output[-6000:]}" for name, output in failed.items())
