"""The `kb` Typer app end to end: migrate, seed, evaluate, import/export, stale, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge.cli import app

runner = CliRunner()


def run(db, *args: str):
    return runner.invoke(app, [*args, "--database-url", db.url])


def test_evaluate_prints_sourced_json(seeded_db, tmp_path: Path) -> None:
    prof = tmp_path / "p.json"
    prof.write_text(json.dumps({"country": "MX", "nationality": "HN",
                                "migration_status": "irregular", "age": 16, "sex": "female",
                                "situation": []}))
    res = run(seeded_db, "evaluate", "--profile", str(prof), "--on", "2026-11-28",
              "--lang", "es")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {"entitlements", "hotlines", "services"}
    first = data["entitlements"][0]
    assert set(first) >= {"domain", "status", "summary", "legal_basis", "verified_on",
                          "confidence", "rules"}
    health = next(e for e in data["entitlements"] if e["domain"] == "health")
    assert {"title": "Ley de Migración", "article": "8",
            "url": health["legal_basis"][0]["url"]} in health["legal_basis"]
    assert data["hotlines"][0]["number"] == "911"


def test_evaluate_rejects_impossible_profile(seeded_db, tmp_path: Path) -> None:
    prof = tmp_path / "p.json"
    prof.write_text(json.dumps({"country": "MX", "age": -1}))
    res = run(seeded_db, "evaluate", "--profile", str(prof))
    assert res.exit_code == 2
    assert "age" in res.output and str(prof) in res.output
    prof.write_text("{not json")
    res = run(seeded_db, "evaluate", "--profile", str(prof))
    assert res.exit_code == 2 and "not valid JSON" in res.output
    prof.write_text(json.dumps({"country": "MX", "colour": "blue"}))
    res = run(seeded_db, "evaluate", "--profile", str(prof))
    assert res.exit_code == 2 and "colour" in res.output


@pytest.mark.process
def test_module_runs_with_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "knowledge.cli", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for command in ("migrate", "seed", "import", "export", "stale", "evaluate"):
        assert command in proc.stdout


def test_migrate_and_seed_are_idempotent(empty_db) -> None:
    assert run(empty_db, "migrate").exit_code == 0
    first = run(empty_db, "seed")
    assert first.exit_code == 0 and "rules" in first.stdout
    second = run(empty_db, "seed")
    assert second.exit_code == 0 and "created: nothing; updated: nothing" in second.stdout


def test_stale_lists_unverified_facts(seeded_db) -> None:
    res = runner.invoke(app, ["stale", "--json", "--max-age-days", "30",
                              "--database-url", seeded_db.url])
    assert res.exit_code == 0, res.output
    items = json.loads(res.stdout)
    ids = {i["id"] for i in items}
    from sqlalchemy import select

    from knowledge import models as m

    with seeded_db.engine.connect() as conn:
        never = conn.scalars(select(m.Service.id).where(
            m.Service.verified_on.is_(None), m.Service.status == "active",
            m.Service.is_sample.is_(False))).all()
        recent = conn.scalars(select(m.Hotline.id).where(
            m.Hotline.verified_on.is_not(None), m.Hotline.status == "active")).all()
    assert never and set(never) <= ids                    # never verified
    assert recent and not set(recent) & ids               # verified recently
    assert not any(i["id"].startswith("sample-") for i in items)


def test_a_misplaced_rule_key_is_refused_with_file_line_and_field(empty_db,
                                                                  tmp_path: Path) -> None:
    import shutil

    from knowledge.rules import RULES_DIR

    for f in RULES_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    good = runner.invoke(app, ["rules", "--rules-dir", str(tmp_path)])
    assert good.exit_code == 0, good.output
    assert "MX" in good.stdout and "rules" in good.stdout
    broken = tmp_path / "MX.yaml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("    effective: {from: 2011-05-25}\n",
                                   "    effective_from: 2011-05-25\n", 1), encoding="utf-8")
    prof = tmp_path / "p.json"
    prof.write_text(json.dumps({"country": "MX"}), encoding="utf-8")
    for args in (["rules"], ["evaluate", "--profile", str(prof), "--database-url", empty_db.url],
                 ["stale", "--database-url", empty_db.url]):
        res = runner.invoke(app, [*args, "--rules-dir", str(tmp_path)])
        assert res.exit_code == 1, (args, res.output)
        assert str(broken) in res.output and "effective_from" in res.output
        assert "rules/0" in res.output
    missing = runner.invoke(app, ["rules", "--rules-dir", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such folder" in missing.output


def test_without_a_database_url_the_core_cli_says_so(monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    res = runner.invoke(app, ["migrate"])
    assert res.exit_code == 2 and "--database-url" in res.output


@pytest.mark.process
def test_helpline_kb_takes_its_defaults_from_the_settings(tmp_path: Path) -> None:
    """`helpline kb` (outside the core) reads DATABASE_URL and STALE_AFTER_DAYS from the
    settings, `.env` included, when neither the option nor the environment gives them."""
    import os

    root = Path(__file__).resolve().parents[2]
    db = tmp_path / "from-dotenv.db"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{db}\nSTALE_AFTER_DAYS=1\n",
                                   encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "STALE_AFTER_DAYS")}
    env["PYTHONPATH"] = str(root)
    cmd = [sys.executable, "-m", "helpline.cli", "kb"]
    proc = subprocess.run([*cmd, "migrate"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert db.is_file()
    proc = subprocess.run([*cmd, "stale"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={**env, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert "not verified in the last 1 days" in proc.stdout


@pytest.mark.process
def test_helpline_console_script_mounts_kb() -> None:
    proc = subprocess.run([sys.executable, "-m", "helpline.cli", "kb", "evaluate", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--profile" in proc.stdout
