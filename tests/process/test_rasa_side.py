"""The Rasa side as compose and `make run` start it: loopback, and its HTTP API needs the token.

`PUT /model` without a token is the precondition of CVE-2024-49375; `helpline_nlu.serve` gives
Rasa `RASA_TOKEN` as `--auth-token` (never on the command line) and binds 127.0.0.1 by default.
No model is loaded: the API's authentication answers before any model is needed.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from tests.auxil.networking import free_port, listening_addresses
from tests.auxil.processes import RASA_PY, process_env, serving

pytestmark = [pytest.mark.process, pytest.mark.rasa]


def test_rasa_api_refuses_calls_without_the_token(tmp_path: Path) -> None:
    port, token = free_port(), secrets.token_urlsafe(24)
    env = process_env(HELPLINE_ENV="production", RASA_TOKEN=token,
                      ACTION_SERVER_TOKEN=secrets.token_urlsafe(24))
    argv = [RASA_PY, "-m", "helpline_nlu.serve", "--enable-api", "--port", str(port),
            "--model", str(tmp_path / "no-model.tar.gz")]
    url = f"http://127.0.0.1:{port}"
    with serving(argv, tmp_path, env, f"{url}/", tmp_path / "rasa.log", timeout=180) as proc:
        assert listening_addresses(port) == {"0100007F"}
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        assert token.encode() not in cmdline, "the token must not be visible in ps"
        put = httpx.put(f"{url}/model", json={"model_file": str(tmp_path / "evil.tar.gz")},
                        timeout=10)
        assert put.status_code == 401
        assert httpx.get(f"{url}/status", timeout=10).status_code == 401
        assert httpx.get(f"{url}/status", params={"token": token}, timeout=10).status_code != 401
