"""The directory's status for administrators: whether it answers now, and the last syncs."""

from __future__ import annotations

from dataclasses import dataclass

from . import config as directory_config
from .client import Directory, DirectoryUnavailable
from .models import SyncRun


@dataclass
class Status:
    configured: bool
    uri: str = ""
    reachable: bool = False
    error: str = ""
    last_sync: SyncRun | None = None
    last_success: SyncRun | None = None


def current() -> Status:
    try:
        config = directory_config.load()
    except ValueError as exc:
        return Status(configured=True, error=str(exc))
    if config is None:
        return Status(configured=False)
    status = Status(configured=True, uri=config.uri, last_sync=SyncRun.objects.first(),
                    last_success=SyncRun.objects.filter(succeeded=True).first())
    try:
        Directory(config).close()
        status.reachable = True
    except DirectoryUnavailable as exc:
        status.error = str(exc)
    return status
