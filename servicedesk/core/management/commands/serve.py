"""`servicedesk serve`: the web server (gunicorn) plus, in the embedded mode, the periodic scheduler.

With no Celery broker configured, the SLA evaluator, mail polling and the other periodic tasks run
in this process (see servicedesk.core.scheduler). With a broker, run `servicedesk worker` and
`servicedesk scheduler` instead (docs/deploy.md); this command then only serves the web.

Links in notifications point at ``SERVICEDESK_BASE_URL``; without it, at the address this command
serves (``--bind``), for the web workers and the periodic tasks alike.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from servicedesk.core.scheduler import Scheduler


def served_url(bind: str) -> str | None:
    """The address a browser reaches gunicorn's ``--bind`` at; None for a Unix socket or a descriptor.

    All interfaces (0.0.0.0, ::) are reached by the machine's name."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, colon, port = bind.rpartition(":")
    if not colon or host.count(":") and not host.startswith("["):
        host, port = bind, "8000"  # gunicorn's default port
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def use_served_url(bind: str) -> None:
    """Without a configured SERVICEDESK_BASE_URL, links in mail name the address served: set in the
    environment for gunicorn's workers (they read the settings afresh) and in this process's settings
    for the periodic tasks that run here."""
    if os.environ.get("SERVICEDESK_BASE_URL", "").strip():
        return
    url = served_url(bind)
    if url is not None:
        os.environ["SERVICEDESK_BASE_URL"] = url
        settings.SERVICEDESK_BASE_URL = url


class Command(BaseCommand):
    help = _("Run the web server and, without a Celery broker, the periodic tasks.")

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-scheduler", action="store_true", help=_("Do not run the periodic tasks here."))

    def handle(self, *args, bind, workers, no_scheduler, **options):
        use_served_url(bind)
        web = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "servicedesk.wsgi", "-b", bind, "-w", str(workers),
            "--access-logfile", "-", "--timeout", "60",
        ])
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            if no_scheduler or settings.CELERY_BROKER_URL:
                while not stopping and web.poll() is None:
                    time.sleep(1)
            else:
                self.stdout.write(_("Periodic tasks run in this process (no Celery broker configured)."))
                Scheduler().forever(should_stop=lambda: bool(stopping) or web.poll() is not None)
        finally:
            if web.poll() is None:
                web.terminate()
                try:
                    web.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    web.kill()
        return None
