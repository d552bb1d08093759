"""The action server registers exactly the custom actions the domain declares."""

from __future__ import annotations

import yaml
from rasa_sdk.executor import ActionExecutor

from helpline.paths import BOT_DIR


def test_registered_actions_match_the_domain() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((BOT_DIR / "domain.yml").read_text())
    assert sorted(executor.actions) == sorted(domain["actions"])
