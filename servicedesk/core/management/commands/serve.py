"""`servicedesk serve`: the web server (gunicorn) plus, in the embedded mode, the periodic scheduler.

With no Celery broker configured, the SLA evaluator, mail polling and the other periodic tasks run
in this process (see servicedesk.core.scheduler). With a broker, run `celery -A servicedesk.celery_app
worker` and `celery -A servicedesk.celery_app beat` instead; this command then only serves the web.
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from servicedesk.core.scheduler import Scheduler


class Command(BaseCommand):
    help = _("Run the web server and, without a Celery broker, the periodic tasks.")

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-scheduler", action="store_true", help=_("Do not run the periodic tasks here."))

    def handle(self, *args, bind, workers, no_scheduler, **options):
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
