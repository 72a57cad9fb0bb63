"""`servicedesk scheduler [celery beat options]`: the periodic schedule (Celery beat) of the desk, which
records its last run for /readyz (servicedesk.ops.beat). Run exactly one."""

from django.conf import settings
from django.utils.translation import gettext as _

from .worker import Command as WorkerCommand


class Command(WorkerCommand):
    help = _("Run the desk's periodic schedule (Celery beat; options after the command are passed to Celery).")
    celery_command = "beat"

    def run_from_argv(self, argv):
        options = argv[2:]
        if not any(o in ("-s", "--schedule") or o.startswith("--schedule=") for o in options):
            # Beat's state file in the data folder, not in whatever folder the service was started from.
            options = ["--schedule", str(settings.DATA_DIR / "celerybeat-schedule"), *options]
        argv = [*argv[:2], *options]
        super().run_from_argv(argv)
