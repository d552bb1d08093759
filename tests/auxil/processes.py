"""Helpers for tests that start the helpline's processes on their own (no whole stack)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from helpline.paths import RASA_VENV, ROOT

PY = sys.executable
RASA_PY = str(RASA_VENV / "bin" / "python")
#: Variables a test must not inherit from the developer's shell. The store URLs are inherited:
#: `tests/conftest.py` points them at the session's temporary directory.
CLEARED = ("HELPLINE_ENV", "SENDER_ID_SECRET", "RASA_TOKEN", "ACTION_SERVER_TOKEN",
           "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TWILIO_ACCOUNT_SID",
           "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER", "PUBLIC_BASE_URL")


def process_env(**values: str) -> dict[str, str]:
    """The environment for a started process: the developer's own secrets and database URLs
    left out (`CLEARED`), Rasa quiet, the project importable, then `values`."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=str(ROOT), **values)
    return env


def run_until_exit(argv: list[str], cwd: Path, env: dict[str, str],
                   timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Run a process that should refuse to start; kills it if it starts instead."""
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@contextmanager
def serving(argv: list[str], cwd: Path, env: dict[str, str], health: str,
            log: Path, timeout: float = 60) -> Iterator[subprocess.Popen[bytes]]:
    """Start a process, wait for its health URL, stop it afterwards (output in `log`)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"exited {proc.returncode}: {log.read_text()[-3000:]}")
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"not healthy: {log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
