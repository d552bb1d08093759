"""Every process refuses bad production settings at start-up, naming the variable, not its value.

Real processes are started (action server, gateway, Rasa side, `make run`'s supervisor) with
missing, empty, placeholder and repeated-character secrets; each must exit non-zero before it
serves anything, and its output must hold neither a secret's value nor pydantic's `input_value`.
Each process checks only its own secrets (`helpline.settings`: one class per process).
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from helpline.paths import ROOT
from helpline.settings import (
    DEV_PLACEHOLDER,
    ActionSettings,
    GatewaySettings,
    Settings,
    load_process_settings,
    load_settings,
)
from tests.auxil.processes import PY, RASA_PY, process_env, run_until_exit

#: A real-looking secret that must never appear in any output.
TWILIO_TOKEN = "f3a9c1d7e5b2" + secrets.token_hex(10)
PROCESSES = {
    "actions": [PY, "-m", "helpline.serve", "actions"],
    "gateway": [PY, "-m", "helpline.serve", "gateway"],
    "supervisor": [PY, "-m", "devstack"],
}
CASES = {
    "missing": ({}, {"SENDER_ID_SECRET", "RASA_TOKEN", "ACTION_SERVER_TOKEN"}),
    "placeholder": ({"SENDER_ID_SECRET": "changeme-please-a-long-enough-value-0123",
                     "RASA_TOKEN": "changeme", "ACTION_SERVER_TOKEN": "CHANGEME-CHANGEME"},
                    {"SENDER_ID_SECRET", "RASA_TOKEN", "ACTION_SERVER_TOKEN"}),
    "repeated": ({"SENDER_ID_SECRET": "a" * 48, "RASA_TOKEN": "abababababababababab",
                  "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32)},
                 {"SENDER_ID_SECRET", "RASA_TOKEN"}),
}
#: The secrets each process reads, so the ones it must name when they are bad.
OWN_SECRETS = {
    "actions": {"ACTION_SERVER_TOKEN"},
    "gateway": {"SENDER_ID_SECRET", "RASA_TOKEN"},
    "supervisor": {"SENDER_ID_SECRET", "RASA_TOKEN", "ACTION_SERVER_TOKEN"},
}
REFUSALS = [(process, case) for process in sorted(PROCESSES) for case in sorted(CASES)
            if CASES[case][1] & OWN_SECRETS[process]]


def production(**values: str) -> dict[str, str]:
    return process_env(HELPLINE_ENV="production", TWILIO_ACCOUNT_SID="AC" + "7" * 3
                       + secrets.token_hex(15), TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
                       PUBLIC_BASE_URL="https://helpline.example.org", **values)


def assert_refused(result: object, names: set[str], values: list[str]) -> None:
    code, out = result.returncode, result.stdout + result.stderr  # type: ignore[attr-defined]
    assert code not in (0, None), out[-2000:]
    for name in names:
        assert name in out, (name, out[-2000:])
    assert "input_value" not in out
    for value in values:
        assert value not in out, "a secret value leaked into the output"


@pytest.mark.process
@pytest.mark.parametrize(("process", "case"), REFUSALS)
def test_processes_refuse_bad_production_settings(process: str, case: str,
                                                  tmp_path: Path) -> None:
    values, names = CASES[case]
    result = run_until_exit(PROCESSES[process], tmp_path, production(**values))
    assert_refused(result, names & OWN_SECRETS[process], [TWILIO_TOKEN, *values.values()])
    for other in names - OWN_SECRETS[process]:
        assert other not in result.stdout + result.stderr, f"{process} checked {other}"


@pytest.mark.process
@pytest.mark.rasa
@pytest.mark.parametrize("case", ["missing", "placeholder"])
def test_rasa_side_refuses_to_start_without_a_real_token(case: str, tmp_path: Path) -> None:
    values, _names = CASES[case]
    names = {"RASA_TOKEN", "ACTION_SERVER_TOKEN"}
    result = run_until_exit([RASA_PY, "-m", "helpline_nlu.serve", "--enable-api"], tmp_path,
                            production(**values))
    assert_refused(result, names, [TWILIO_TOKEN, *values.values()])


@pytest.mark.process
@pytest.mark.parametrize("process", ["actions", "gateway"])
def test_a_copied_env_example_is_refused_in_production(process: str, tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(example.replace("HELPLINE_ENV=development",
                                                   "HELPLINE_ENV=production"))
    env = process_env()
    result = run_until_exit(PROCESSES[process], tmp_path, env)
    assert_refused(result, OWN_SECRETS[process], [])


def test_empty_variables_count_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    assert "\nSENDER_ID_SECRET=\n" in (tmp_path / ".env").read_text()
    monkeypatch.chdir(tmp_path)
    for name in ("SENDER_ID_SECRET", "HELPLINE_ENV", "REDIS_URL", "RASA_TOKEN",
                 "ACTION_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.helpline_env == "development"
    assert settings.sender_id_secret == DEV_PLACEHOLDER, "an empty HMAC key must not be used"
    assert settings.redis_url is None and settings.rasa_token is None
    gateway = load_process_settings(GatewaySettings)
    assert gateway.sender_id_secret == DEV_PLACEHOLDER and gateway.rasa_token is None
    assert load_process_settings(ActionSettings).action_server_token is None
    monkeypatch.setenv("SENDER_ID_SECRET", "")
    for cls in (Settings, GatewaySettings):
        assert load_process_settings(cls).sender_id_secret == DEV_PLACEHOLDER


def test_each_process_reads_only_its_own_variables() -> None:
    gateway, actions = set(GatewaySettings.model_fields), set(ActionSettings.model_fields)
    assert "database_url" not in gateway, "the gateway never opens the knowledge base"
    assert {"sender_id_secret", "telegram_bot_token", "twilio_auth_token"}.isdisjoint(actions)
    assert gateway | actions <= set(Settings.model_fields)
    assert {"hotline_snapshot_path", "retention_days"} <= gateway & actions


def test_a_bad_number_names_its_variable_not_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpline.settings import SettingsError

    monkeypatch.setenv("RETENTION_DAYS", "thirty-s3cr3t")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert "RETENTION_DAYS" in str(raised.value)
    assert "thirty-s3cr3t" not in str(raised.value)
