"""Suite-wide set-up: the test environment, and every store a test or a process it starts opens
is a file in a temporary directory, never the developer's `var/`.

Before any test module is imported, `HELPLINE_ENV` is `test` and each store the settings name
(`STORE_VARIABLES`: databases, the hotline snapshot) points into one temporary directory for the
session; processes started by tests inherit them. Tests that need a store of their own still
pass it explicitly.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: Settings field → (its environment variable, its value with `{}` for the session's directory),
#: for every setting whose default is a file in `var/` (checked by tests/process/test_isolation).
STORE_VARIABLES = {
    "database_url": ("DATABASE_URL", "sqlite:///{}/knowledge.db"),
    "tracker_store_url": ("TRACKER_STORE_URL", "sqlite:///{}/tracker.db"),
    "gateway_database_url": ("GATEWAY_DATABASE_URL", "sqlite:///{}/gateway.db"),
    "console_database_url": ("CONSOLE_DATABASE_URL", "sqlite:///{}/console.db"),
    "hotline_snapshot_path": ("HOTLINE_SNAPSHOT_PATH", "{}/hotlines.json"),
}
_STASH = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="helpline-tests-"))
    config.stash[_STASH] = tmp
    os.environ["HELPLINE_ENV"] = "test"
    for variable, value in STORE_VARIABLES.values():
        os.environ[variable] = value.format(tmp)


def pytest_unconfigure(config: pytest.Config) -> None:
    tmp = config.stash.get(_STASH, None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
