"""The systemd units in deploy/systemd/ pass `systemd-analyze verify` (keys, sections, executables); the
logrotate file rotates the logs while the services hold them open."""

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


def test_logrotate_rotates_the_logs_in_place(tmp_path):
    from tests.services import require_program

    program = require_program("logrotate")
    paths = production_paths(tmp_path)
    log = tmp_path / "log"
    log.mkdir(mode=0o750)
    config = tmp_path / "servicedesk"
    config.write_text(relocated((DEPLOY / "logrotate" / "servicedesk").read_text(), paths))
    config.chmod(0o644)
    with (log / "web.log").open("a") as writer:  # held open, as systemd holds the services' output
        writer.write("before\n")
        writer.flush()
        subprocess.run([program, "--force", "--state", str(tmp_path / "state"), str(config)], check=True,
                       capture_output=True, timeout=60)
        writer.write("after\n")
    assert (log / "web.log.1").read_text() == "before\n"
    assert (log / "web.log").read_text() == "after\n"  # copytruncate: the open (O_APPEND) file goes on
