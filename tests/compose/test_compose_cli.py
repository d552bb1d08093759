"""Compose's own parser on docker-compose.yml, where one is installed (`docker compose` or the
older `docker-compose`): `config` accepts the file once the secrets are set and refuses it
without one. No daemon is needed; the test is skipped where neither command exists.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from helpline.paths import ROOT
from tests.compose.test_compose import required_variables

pytestmark = pytest.mark.process


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 timeout=30).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


COMPOSE = compose_command()


def config(tmp_path: Path, secrets_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`compose config -q` with only these variables (an empty env file: never a `.env`)."""
    assert COMPOSE is not None
    empty = tmp_path / "empty.env"
    empty.write_text("")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **secrets_env}
    return subprocess.run(
        [*COMPOSE, "--env-file", str(empty), "--project-directory", str(ROOT),
         "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(COMPOSE is None, reason="neither `docker compose` nor `docker-compose`")
def test_compose_accepts_the_file_and_refuses_it_without_a_secret(tmp_path: Path) -> None:
    values = {name: secrets.token_hex(24) for name in required_variables()}
    accepted = config(tmp_path, values)
    assert accepted.returncode == 0, accepted.stderr
    for name in sorted(values):
        refused = config(tmp_path, {k: v for k, v in values.items() if k != name})
        assert refused.returncode != 0, name
        assert name in refused.stderr, refused.stderr
