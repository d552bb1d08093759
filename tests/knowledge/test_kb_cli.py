"""The `kb` Typer app end to end: migrate, seed, evaluate, import/export, stale, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from knowledge.cli import app

runner = CliRunner()


def run(db, *args: str):  # type: ignore[no-untyped-def]
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


def test_seed_with_a_misplaced_rule_key_writes_nothing(empty_db, tmp_path: Path) -> None:
    import shutil

    from sqlalchemy import func, select

    from knowledge import models as m
    from knowledge.db import session_scope
    from knowledge.rules import RULES_DIR

    for f in RULES_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    broken = tmp_path / "MX.yaml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("    effective: {from: 2011-05-25}\n",
                                   "    effective_from: 2011-05-25\n", 1), encoding="utf-8")
    res = run(empty_db, "seed", "--rules-dir", str(tmp_path))
    assert res.exit_code == 1
    assert str(broken) in res.output and "effective_from" in res.output
    assert "rules/0" in res.output
    with session_scope(empty_db.engine) as s:
        assert s.scalar(select(func.count()).select_from(m.Rule)) == 0
        assert s.scalar(select(func.count()).select_from(m.Service)) == 0


def test_helpline_console_script_mounts_kb() -> None:
    proc = subprocess.run([sys.executable, "-m", "helpline.cli", "kb", "evaluate", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--profile" in proc.stdout
