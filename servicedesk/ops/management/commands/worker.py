"""`servicedesk worker [celery worker options]`: a Celery worker of the desk; options go to Celery as given."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicedesk.celery_app import app


def start_celery(command: str, argv: list[str]) -> None:
    if not settings.CELERY_BROKER_URL:
        raise CommandError(_("Set SERVICEDESK_BROKER_URL (e.g. redis://127.0.0.1:6379/0): without a broker, "
                             "`servicedesk serve` runs the background work itself."))
    app.start([command, *argv])


class Command(BaseCommand):
    help = _("Run a Celery worker of the desk (options after the command are passed to Celery).")
    celery_command = "worker"

    def run_from_argv(self, argv):
        # Every option is Celery's (--concurrency, -Q, -l …): none is parsed here.
        try:
            start_celery(self.celery_command, argv[2:])
        except CommandError as error:
            self.stderr.write(str(error))
            raise SystemExit(error.returncode) from None
