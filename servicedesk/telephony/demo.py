"""The demo desk's calls (`servicedesk demo`, with the tickets), made through the CTI's own path (the tickets'
demo logs its phone tickets through the quick log, which records their calls): agent1 and agent2 on extensions
8001 and 8002; an hour ago a call answered and ended, then one answered and transferred to the 2nd line, one
abandoned in the queue, and one waiting now."""

import datetime

from django.utils import timezone

from servicedesk.accounts.identity import system_user
from servicedesk.core.audit import Channel

from . import actions
from .models import Call

AFTER = ("accounts", "tickets")
SOURCE = "demo-pbx"
FIRST_LINE, SECOND_LINE = "Service Desk (1st line)", "Network and Infrastructure (2nd line)"


def load(demo) -> None:
    if not demo.full or Call.objects.filter(source=SOURCE).exists():
        return
    system = system_user()
    for username, number in (("agent1", "8001"), ("agent2", "8002")):
        actions.set_extension(demo.people[username], number, actor=system, channel=Channel.COMMAND)
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)

    def send(call_id: str, kind: str, seconds: int, **fields) -> None:
        event = actions.CtiEvent(kind=kind, event_id=f"demo-{call_id}-{kind}", call_id=f"demo-{call_id}",
                                 at=start + datetime.timedelta(seconds=seconds), **fields)
        actions.receive_event(SOURCE, event, {}, actor=system, channel=Channel.PHONE)

    send("1", "offered", 0, caller="+86 138 0013 8000", called="10086", queue=FIRST_LINE)
    send("1", "answered", 14, agent="8001")
    send("1", "ended", 260, recording_url="https://pbx.example.com/recordings/demo-1.wav")
    send("2", "offered", 600, caller="021-6555-0101", called="10086", queue=FIRST_LINE)
    send("2", "answered", 622, agent="8002")
    send("2", "transferred", 700, agent="8002", to_queue=SECOND_LINE)
    send("2", "ended", 1100)
    send("3", "offered", 1500, caller="0755 8888 1234", called="10086", queue=FIRST_LINE)
    send("3", "abandoned", 1547)
    send("4", "offered", 3590, caller="+86 139 0000 4321", called="10086", queue=FIRST_LINE)
