"""Settings for the desk processes the ops tests start (worker, scheduler, gunicorn): on the test database."""

import os

from servicedesk.settings import *  # noqa: F403
from servicedesk.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["SD_TEST_DB_NAME"]
