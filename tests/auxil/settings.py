"""Gateway settings for tests: every store a file under the test's temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpline.settings import Settings

SECRET = "test-sender-secret-0123456789abcdef0123"


def make_settings(tmp_path: Path, rasa_url: str, **overrides: Any) -> Settings:
    """Test settings for a gateway talking to `rasa_url`, its stores in `tmp_path`, no channel
    tokens and no `.env`."""
    values: dict[str, Any] = {
        "helpline_env": "test",
        "rasa_url": rasa_url,
        "sender_id_secret": SECRET,
        "gateway_database_url": f"sqlite:///{tmp_path / 'gateway.db'}",
        "database_url": f"sqlite:///{tmp_path / 'knowledge.db'}",
        "hotline_snapshot_path": tmp_path / "hotlines.json",
        "gateway_retry_seconds": 0.2,
        "rasa_timeout_seconds": 5.0,
        "telegram_bot_token": None,
        "twilio_account_sid": None,
        "twilio_auth_token": None,
        "public_base_url": None,
        "rasa_token": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
