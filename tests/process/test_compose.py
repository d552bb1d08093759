"""The production shape keeps Rasa and the action server off every published network."""

from __future__ import annotations

from typing import Any

import yaml

from helpline.paths import ROOT


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_only_the_gateway_is_published_and_the_backend_is_internal() -> None:
    services = compose()["services"]
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"channels", "console"}
    # the console is internal: published on the host's loopback only
    assert all(p.startswith("127.0.0.1:") for p in services["console"]["ports"])
    assert compose()["networks"]["backend"].get("internal") is True
    for name in ("rasa", "actions", "db", "redis"):
        assert services[name]["networks"] == ["backend"], name


def test_rasa_and_actions_start_through_the_checked_entry_points() -> None:
    services = compose()["services"]
    assert services["rasa"]["command"][:3] == ["python", "-m", "helpline_nlu.serve"]
    assert "--auth-token" not in services["rasa"]["command"], "token from the environment only"
    assert services["actions"]["command"] == ["python", "-m", "helpline.serve", "actions"]
    assert services["channels"]["command"] == ["python", "-m", "helpline.serve", "gateway"]
    for name in ("rasa", "actions", "channels"):
        env = services[name]["environment"]
        assert env["HELPLINE_ENV"] == "production"
        assert env["ACTION_SERVER_TOKEN"].startswith("${ACTION_SERVER_TOKEN:?")
        assert services[name].get("logging", {}).get("options", {}).get("max-file")


def test_rasa_sends_the_action_server_token() -> None:
    endpoints = yaml.safe_load((ROOT / "docker" / "endpoints.production.yml").read_text())
    headers = endpoints["action_endpoint"]["headers"]
    assert headers == {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"}
