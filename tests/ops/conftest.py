import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import redis_url  # noqa: F401  (the session's Redis fixture)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def process_env(transactional_db):
    """The environment of a desk process started by a test: the desk's settings on the test database, which
    such a process can only share on PostgreSQL or SQLite on disk (SERVICEDESK_TEST_ON_DISK=1)."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        pytest.skip("a desk process shares the test database: run on PostgreSQL or with SERVICEDESK_TEST_ON_DISK=1")
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.ops.process_settings", "SD_TEST_DB_NAME": name,
            "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def desk_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "servicedesk", *args]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
