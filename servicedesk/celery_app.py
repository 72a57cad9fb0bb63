"""The desk's Celery application.

With a broker (`SERVICEDESK_BROKER_URL`, e.g. redis://127.0.0.1:6379/0) tasks go to Celery workers and
the periodic schedule runs under `celery beat`:

    servicedesk worker -l info       (celery -A servicedesk.celery_app worker)
    servicedesk scheduler -l info    (celery -A servicedesk.celery_app beat, recording its last run for /readyz)

Without a broker (the embedded default) every task runs in-process when it is sent, and
`servicedesk serve` runs the same periodic schedule inside its own process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

app = Celery("servicedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
