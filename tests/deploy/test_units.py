"""The systemd units in deploy/systemd/ pass `systemd-analyze verify` (keys, sections, executables)."""

import shutil
import subprocess

import pytest

from tests.deploy.conftest import DEPLOY, production_paths, relocated

UNITS = ["servicedesk-web.service", "servicedesk-worker.service", "servicedesk-scheduler.service"]


def test_units_verify(tmp_path):
    program = shutil.which("systemd-analyze")
    if program is None:
        pytest.skip("systemd-analyze is not installed (tests/deploy/test_nginx.py runs the units' ExecStart lines)")
    paths = production_paths(tmp_path)
    (tmp_path / "servicedesk.env").write_text("SERVICEDESK_SECRET_KEY=x\n")
    for unit in UNITS:
        (tmp_path / unit).write_text(relocated((DEPLOY / "systemd" / unit).read_text(), paths))
    done = subprocess.run([program, "verify", "--man=no", *(str(tmp_path / unit) for unit in UNITS)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
