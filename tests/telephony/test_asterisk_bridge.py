"""contrib/asterisk_ami_bridge.py, run as the PBX would run it, against a loopback fake AMI server (a socket
speaking AMI's text protocol) and the real desk on a live server: two queued calls, one answered, transferred
and hung up, one abandoned."""

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from servicedesk.telephony.models import Call, CallEvent, Extension, State

BRIDGE = Path(__file__).resolve().parents[2] / "contrib" / "asterisk_ami_bridge.py"
SECRET = "bridge-cti-secret"


def ami_message(**fields) -> bytes:
    return "".join(f"{key}: {value}\r\n" for key, value in fields.items()).encode() + b"\r\n"


def fake_ami(events: list[dict]) -> tuple[int, dict]:
    """A one-connection AMI server on a free loopback port: banner, login, then `events`, then it hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    seen: dict = {}

    def serve():
        connection, _ = server.accept()
        with connection, server:
            connection.sendall(b"Asterisk Call Manager/5.0.1\r\n")
            login = b""
            while not login.endswith(b"\r\n\r\n"):
                login += connection.recv(1024)
            seen["login"] = login.decode()
            connection.sendall(ami_message(Response="Success", Message="Authentication accepted"))
            for fields in events:
                connection.sendall(ami_message(**fields))

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1], seen


def test_the_bridge_feeds_the_desk(live_server, desk, settings):
    settings.SERVICEDESK_CTI_SECRETS = [SECRET]
    Extension.objects.create(user=desk.agent1, number="8001")
    Extension.objects.create(user=desk.agent2, number="8002")
    desk.customer2.phone = "13912345678"
    desk.customer2.save()
    start = time.time() - 120
    queue = desk.first_line.name
    events = [
        {"Event": "Newchannel", "Uniqueid": "1700.1", "CallerIDNum": "13912345678", "Exten": "10086"},
        {"Event": "QueueCallerJoin", "Uniqueid": "1700.1", "CallerIDNum": "13912345678", "Queue": queue,
         "Timestamp": f"{start:.6f}"},
        {"Event": "AgentConnect", "Uniqueid": "1700.1", "Interface": "PJSIP/8001", "MemberName": "Alex",
         "Queue": queue, "HoldTime": "9", "Timestamp": f"{start + 9:.6f}"},
        {"Event": "BlindTransfer", "TransfereeUniqueid": "1700.1", "TransfererCallerIDNum": "8001",
         "Extension": "8002", "Timestamp": f"{start + 60:.6f}"},
        {"Event": "QueueCallerJoin", "Uniqueid": "1700.2", "CallerIDNum": "021-5555-0100", "Queue": queue,
         "Timestamp": f"{start + 61:.6f}"},
        {"Event": "QueueCallerAbandon", "Uniqueid": "1700.2", "Queue": queue, "Timestamp": f"{start + 91:.6f}"},
        {"Event": "Hangup", "Uniqueid": "1700.2", "Timestamp": f"{start + 91:.6f}"},
        {"Event": "Hangup", "Uniqueid": "1700.1", "Timestamp": f"{start + 100:.6f}"},
        {"Event": "Hangup", "Uniqueid": "9999.9"},  # a call no queue saw: not the desk's
    ]
    port, seen = fake_ami(events)
    result = subprocess.run(
        [sys.executable, str(BRIDGE), "--ami-port", str(port), "--ami-user", "desk", "--desk-url", live_server.url,
         "--once"], env={"ASTERISK_AMI_SECRET": "ami-pass", "SERVICEDESK_CTI_SECRET": SECRET, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Username: desk\r\nSecret: ami-pass" in seen["login"]
    answered = Call.objects.get(external_id="1700.1")
    assert (answered.state, answered.agent, answered.transfer_agent) == (State.ENDED, desk.agent1, desk.agent2)
    assert (answered.person, answered.called_number, answered.queue_group) == (desk.customer2, "10086",
                                                                              desk.first_line)
    assert (answered.wait_seconds, answered.talk_seconds) == (9, 91)
    abandoned = Call.objects.get(external_id="1700.2")
    assert (abandoned.state, abandoned.wait_seconds) == (State.ABANDONED, 30)
    assert CallEvent.objects.count() == 7 and Call.objects.count() == 2
    assert " refused" not in result.stderr
