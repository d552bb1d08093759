"""The running stack: loopback only, Rasa's calls carry the action token, a dead child comes back.

Uses the session's real stack (tests/e2e/conftest.py). The kill test runs last in this file and
leaves the stack healthy for the files after it.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import pytest

from devstack.supervisor import Stack
from helpline.settings import Settings
from tests.auxil.networking import listening_addresses

pytestmark = pytest.mark.e2e


def say(gateway: httpx.Client, session: str, text: str) -> list[str]:
    response = gateway.post("/webchat/message", json={"session": session, "message": text})
    assert response.status_code == 200, response.text
    return [r.get("text", "") for r in response.json()["replies"] if r.get("text")]


def test_every_process_listens_on_loopback_only(stack: Stack) -> None:
    s = stack.settings
    for port in (s.gateway_port, s.rasa_port, s.actions_port):
        assert listening_addresses(port) == {"0100007F"}, port


def test_rasa_reaches_the_action_server_and_nobody_else_does(
        stack: Stack, stack_settings: Settings, gateway: httpx.Client) -> None:
    assert say(gateway, f"tok-{uuid.uuid4().hex}", "hola"), "Rasa's action calls must be accepted"
    forged = httpx.post(f"http://127.0.0.1:{stack_settings.actions_port}/webhook",
                        json={"next_action": "action_greet", "domain": {},
                              "tracker": {"sender_id": "x", "latest_message": {"text": "hola"}}},
                        timeout=10)
    assert forged.status_code == 401
    endpoints = (stack.var_dir / "endpoints.yml").read_text()
    assert "${ACTION_SERVER_TOKEN}" in endpoints, "the token is never written to disk"


def test_a_killed_action_server_is_restarted_and_the_rest_keep_running(
        stack: Stack, stack_settings: Settings, gateway: httpx.Client) -> None:
    before = stack.pids()
    health = f"http://127.0.0.1:{stack_settings.actions_port}/health"
    os.kill(before["actions"], signal.SIGKILL)
    started = time.monotonic()
    back = None
    while time.monotonic() - started < 60:
        if stack.pids()["actions"] != before["actions"]:
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    back = time.monotonic() - started
                    break
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    assert back is not None, "the action server did not come back"
    print(f"action server back after {back:.1f} s")
    after = stack.pids()
    assert after["rasa"] == before["rasa"] and after["gateway"] == before["gateway"]
    assert all(child.alive() for child in stack.children)
    assert say(gateway, f"kill-{uuid.uuid4().hex}", "hola"), "a turn after the restart answers"
