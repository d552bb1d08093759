"""A child that dies is restarted with a growing backoff; one stopped on purpose stays down."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from devstack import supervisor
from devstack.supervisor import Child
from tests.auxil.processes import PY

pytestmark = pytest.mark.process


def sleeper(tmp_path: Path) -> Child:
    return Child("sleeper", [PY, "-c", "import time; time.sleep(60)"], "http://127.0.0.1:9/",
                 dict(os.environ), tmp_path / "logs" / "sleeper.log")


def step_until_restarted(child: Child, due: dict[str, float], old_pid: int) -> float:
    started = time.monotonic()
    while time.monotonic() - started < 10:
        child.restart_if_dead(due)
        if child.proc is not None and child.proc.pid != old_pid and child.alive():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("not restarted")


def test_killed_child_comes_back_after_a_growing_backoff(tmp_path: Path) -> None:
    child = sleeper(tmp_path)
    due: dict[str, float] = {}
    child.start()
    try:
        waits = []
        for _ in range(2):
            assert child.proc is not None
            pid = child.proc.pid
            os.kill(pid, signal.SIGKILL)
            child.proc.wait(5)
            waits.append(step_until_restarted(child, due, pid))
        assert supervisor.BACKOFF_FIRST <= waits[0] < waits[1], waits
    finally:
        child.stop()
        child.close()


def test_a_child_stopped_on_purpose_is_not_restarted(tmp_path: Path) -> None:
    child = sleeper(tmp_path)
    due: dict[str, float] = {}
    child.start()
    child.stop()
    for _ in range(3):
        child.restart_if_dead(due)
    assert not child.alive() and not due
    child.start()  # an explicit start brings it back and is a no-op when already running
    assert child.proc is not None
    pid = child.proc.pid
    child.start()
    assert child.proc.pid == pid and child.alive()
    child.stop()
    child.close()
