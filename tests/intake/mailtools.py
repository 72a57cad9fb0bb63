"""Helpers for the intake tests: the corpus, and running `servicedesk` commands as real processes."""

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parent / "corpus"
DESK_ADDRESS = "servicedesk@example.com"

# Corpus messages and the ticket title each must produce, Chinese in every legacy charset among them.
TITLES = {
    "gb2312_base64.eml": "打印机无法打印",
    "gb2312_mislabelled_gbk.eml": "朱镕基同志的电脑中毒了",
    "gb18030_4byte.eml": "\U00020bb7野家的网络断了",
    "big5.eml": "印表機無法列印",
    "qp_utf8.eml": "Server down — 服务器",
    "iso8859_1.eml": "Réseau coupé",
    "attachments.eml": "Network diagram and report",
}


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def servicedesk(env, *args, stdin=None, **kwargs):
    """Run `servicedesk ARGS` as its own process (the worktree's code) and wait for it."""
    return subprocess.run([sys.executable, "-m", "servicedesk", *args], input=stdin, env=env, cwd=ROOT,
                          capture_output=True, timeout=120, **kwargs)


def start_servicedesk(env, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "servicedesk", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def wait_until(condition, timeout=30.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


def stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()




def holding(env: dict, point: str, marker: Path) -> dict:
    """The environment that stops a `servicedesk` process at a fault-test point (see hold_for_fault_test)."""
    return {**env, "SERVICEDESK_TEST_HOLD": point, "SERVICEDESK_TEST_HOLD_FILE": str(marker)}


def wait_for_hold(marker: Path, process, count: int = 1, timeout: float = 60.0) -> list[str]:
    """Wait until `count` holds are noted in the marker file; fails early if the process ended."""

    def reached():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the process ended (exit {process.returncode}) before the hold:\n{out}\n{err}")
        lines = marker.read_text().splitlines() if marker.exists() else []
        return lines if len(lines) >= count else None

    return wait_until(reached, timeout, "the process to reach its hold point")


def kill(process) -> None:
    """SIGKILL: no cleanup, no rollback by the process itself."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()
