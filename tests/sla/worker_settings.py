"""Settings for the Celery workers the SLA tests start: the desk's settings, on the test database."""

import os

from servicedesk.settings import *  # noqa: F403
from servicedesk.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["SD_TEST_DB_NAME"]
SERVICEDESK_FOLLOW_UP_HOUR = 0  # digests are due at any hour, so the test does not depend on the time of day
