"""Settings for the Celery workers the SLA tests start: the desk's settings, on the test database."""

import os

from servicedesk.settings import *  # noqa: F403
from servicedesk.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["SD_TEST_DB_NAME"]
