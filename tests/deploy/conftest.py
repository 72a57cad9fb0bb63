"""The shipped deploy/ files, started for real: unit files read for their ExecStart and Environment lines, with
the production paths swapped for this checkout's and a temporary folder's."""

import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.ops.conftest import ROOT, process_env  # noqa: F401  (fixture)
from tests.services import redis_url  # noqa: F401  (fixture)

DEPLOY = ROOT / "deploy"
VENV = Path(sys.executable).parent.parent


def production_paths(folder: Path) -> dict[str, str]:
    """Where the units and the nginx site expect things (docs/deploy.md) → where they are in the test."""
    return {
        "/srv/servicedesk/venv": str(VENV),
        "/srv/servicedesk/app": str(ROOT),
        "/etc/servicedesk/servicedesk.env": str(folder / "servicedesk.env"),
        "/run/servicedesk-metrics": str(folder / "metrics"),
        "/var/lib/servicedesk": str(folder / "data"),
        "/var/log/servicedesk": str(folder / "log"),
        "/var/log/nginx": str(folder / "log"),
    }


def relocated(text: str, paths: dict[str, str]) -> str:
    for production, here in paths.items():
        text = text.replace(production, here)
    return text


def unit_lines(name: str, paths: dict[str, str]) -> dict[str, list[str]]:
    """A unit's [Service] keys (each key's values in order), relocated; systemd's %% is a %."""
    values: dict[str, list[str]] = {}
    for line in relocated((DEPLOY / "systemd" / name).read_text(), paths).splitlines():
        match = re.fullmatch(r"([A-Za-z]+)=(.*)", line.strip())
        if match:
            values.setdefault(match[1], []).append(match[2].replace("%%", "%"))
    return values


def unit_command(name: str, paths: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """A unit's ExecStart as an argument list, and the variables its Environment= lines set."""
    lines = unit_lines(name, paths)
    (exec_start,) = lines["ExecStart"]
    env = dict(item.split("=", 1) for value in lines.get("Environment", []) for item in shlex.split(value))
    return shlex.split(exec_start), env


@pytest.fixture
def nginx_program():
    from tests.services import require_program

    return require_program("nginx")
