"""`helpline channels register-webhook` against the local fake Bot API."""

from __future__ import annotations

from typer.testing import CliRunner

from channels.cli import app
from tests.auxil.fake_apis import FakeBotApi
from tests.auxil.networking import ServedApp

TOKEN = "7000000001:AAH-test-token-for-the-fake-bot-api"


def test_register_webhook_sends_url_and_secret(monkeypatch) -> None:
    fake = FakeBotApi(TOKEN)
    with ServedApp(fake.app()) as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "tg-secret-abc")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", api.url)
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://helpline.example.org")
        result = CliRunner().invoke(app, ["register-webhook"])
        assert result.exit_code == 0, result.output
        calls = fake.sent("setWebhook")
        assert calls[-1]["url"] == "https://helpline.example.org/webhooks/telegram"
        assert calls[-1]["secret_token"] == "tg-secret-abc"
        assert calls[-1]["allowed_updates"] == ["message", "callback_query"]

        deleted = CliRunner().invoke(app, ["delete-webhook"])
        assert deleted.exit_code == 0 and fake.sent("deleteWebhook")


def test_register_webhook_refuses_without_secret_or_https(monkeypatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://helpline.example.org")
    result = CliRunner().invoke(app, ["register-webhook"])
    assert result.exit_code == 2
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://insecure.example.org")
    assert CliRunner().invoke(app, ["register-webhook"]).exit_code == 2


def test_whatsapp_url(monkeypatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://helpline.example.org/")
    result = CliRunner().invoke(app, ["whatsapp-url"])
    assert result.output.strip() == "https://helpline.example.org/webhooks/whatsapp"
