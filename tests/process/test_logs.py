"""Log files hold no message text and are kept for a bounded time."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import time
from pathlib import Path
from types import ModuleType

import pytest

from devstack.supervisor import Child
from helpline import logsafe
from helpline.paths import BOT_DIR
from tests.auxil.processes import PY

TEXT = "me quieren matar, estoy en México"
SAMPLES = [
    json.dumps({"text": TEXT, "event": "rest.message.received.timeout", "level": "error"}),
    str({"sender": "abc", "message": TEXT}),
    f"Received user message '{TEXT}' with intent 'emergency'",
    "POST /webhooks/whatsapp Body=me+quieren+matar&From=whatsapp%3A%2B5215512345678",
    "rasa reachable, 3 queued messages",
]


def rasa_side() -> ModuleType:
    """`bot/helpline_nlu/logsafe.py`, which runs in the Rasa environment (stdlib only)."""
    spec = importlib.util.spec_from_file_location("rasa_logsafe",
                                                  BOT_DIR / "helpline_nlu" / "logsafe.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("line", SAMPLES)
def test_both_environments_scrub_alike(line: str) -> None:
    other = rasa_side()
    assert other.scrub(line) == logsafe.scrub(line)
    assert "quieren" not in logsafe.scrub(line)
    assert logsafe.TEXT_KEYS == other.TEXT_KEYS


def test_a_remembered_text_is_scrubbed_from_records_and_tracebacks(tmp_path: Path) -> None:
    logsafe.install()
    logsafe.remember(TEXT)
    log = logging.getLogger("tests.logsafe")
    handler = logging.FileHandler(tmp_path / "x.log", encoding="utf-8")
    log.addHandler(handler)
    try:
        log.warning("turn failed for %s", TEXT)
        try:
            raise UnicodeEncodeError("utf-8", TEXT, 3, 4, "surrogates not allowed")
        except UnicodeEncodeError:
            log.exception("unhandled error on /webchat/message")
    finally:
        log.removeHandler(handler)
        handler.close()
    logged = (tmp_path / "x.log").read_text(encoding="utf-8")
    assert "unhandled error" in logged and "Traceback" in logged
    assert "quieren" not in logged


def test_child_output_is_scrubbed_into_its_log(tmp_path: Path) -> None:
    script = (f"import json, sys; print(json.dumps({{'text': {TEXT!r}}})); "
              f"print('Traceback: message={TEXT!r}', file=sys.stderr)")
    child = Child("echo", [PY, "-c", script], "http://127.0.0.1:9/", dict(os.environ),
                  tmp_path / "logs" / "echo.log", retention_days=3)
    child.start()
    assert child.proc is not None
    child.proc.wait(20)
    time.sleep(0.3)
    child.close()
    logged = (tmp_path / "logs" / "echo.log").read_text(encoding="utf-8")
    assert logged.count(logsafe.REDACTED) == 2, logged
    assert "quieren" not in logged


def test_logs_are_rotated_and_only_the_retention_is_kept(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for day in range(1, 9):  # eight days of rotated files from earlier runs
        (logs / f"rasa.log.2026-01-{day:02d}").write_text(f"day {day}\n")
    handler = logsafe.retained_file_handler(logs / "rasa.log", retention_days=3)
    handler.handle(logging.makeLogRecord({"msg": "today"}))
    handler.doRollover()  # what midnight does
    handler.close()
    kept = sorted(p.name for p in logs.iterdir())
    rotated = [name for name in kept if name != "rasa.log"]
    assert len(rotated) == 3, kept
    assert "rasa.log.2026-01-01" not in kept, "the oldest days must go"
