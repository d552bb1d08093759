"""`helpline kb coverage` on a small database of its own: national domains for an irregular
adult and confirmed answers, reachable services and their cities, hotline purposes, stale
facts; as a table and as JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from knowledge import cli
from knowledge.cli import app
from knowledge.coverage import coverage
from knowledge.db import session_scope
from knowledge.rules import RuleSet, load_rule_files
from knowledge.setup import seed

DAY = dt.date(2026, 12, 2)
RULES = """\
jurisdiction: PE
sources:
  s1: {title: Ley, article: "1", url: "https://example.gob.pe/ley", confidence: confirmed,
       verified_on: 2026-12-01}
rules:
  - id: pe.health.all
    domain: health
    status: granted
    citations: [s1]
    confidence: confirmed
    verified_on: 2026-12-01
    source_url: https://example.gob.pe/ley
    text: {en: {summary: care}, es: {summary: atención}}
  - id: pe.work.all
    domain: work
    status: limited
    citations: [s1]
    confidence: unconfirmed
    source_url: https://example.gob.pe/ley
    text: {en: {summary: work}, es: {summary: trabajo}}
  - id: pe.asylum.minor
    domain: asylum
    status: granted
    citations: [s1]
    confidence: unconfirmed
    when: {age: {max: 17}}
    text: {en: {summary: minors}, es: {summary: menores}}
"""
SEED = """\
country: {code: PE, name: Perú}
hotlines:
  - {id: pe-105, country: PE, purpose: emergency, number: "105", name: Policía,
     confidence: confirmed, verified_on: 2026-12-01, source_url: "https://example.gob.pe/105"}
  - {id: pe-1818, country: PE, purpose: trafficking, number: "1818", name: Trata}
  - {id: pe-old, country: PE, purpose: violence, number: "100", name: Antigua, status: retired}
services:
  - {id: s-phone, name: A, categories: [shelter], country: PE, city: Tumbes,
     phones: [{number: "+51 72 000 000"}]}
  - {id: s-address, name: B, categories: [legal_aid], country: PE, city: Lima,
     address: "Av. Uno 1", confidence: confirmed, verified_on: 2026-12-01,
     source_url: "https://example.org/b"}
  - {id: s-none, name: C, categories: [health], country: PE, city: Tacna, url: "https://c.org"}
  - {id: s-retired, name: D, categories: [health], country: PE, city: Cusco, address: "X 1",
     status: retired}
  - {id: s-sample, name: E, categories: [health], country: PE, city: Puno, address: "Y 2",
     is_sample: true}
"""


def small_db(db, tmp_path: Path) -> RuleSet:
    """Seed the test's own listings; return the test's own rules (their folder: `rules/`)."""
    (tmp_path / "rules").mkdir()
    rules = tmp_path / "rules" / "PE.yaml"
    rules.write_text(RULES, encoding="utf-8")
    (tmp_path / "seed" / "countries").mkdir(parents=True)
    (tmp_path / "seed" / "countries" / "PE.yaml").write_text(SEED, encoding="utf-8")
    with session_scope(db.engine) as s:
        seed(s, seed_dir=tmp_path / "seed")
    return load_rule_files([rules])


def test_coverage_counts_what_an_irregular_adult_gets_and_who_can_be_reached(
        empty_db, tmp_path: Path) -> None:
    rules = small_db(empty_db, tmp_path)
    with session_scope(empty_db.engine) as s:
        [pe] = coverage(s, on=DAY, max_age_days=365, rules=rules)
    assert (pe.country, pe.name) == ("PE", "Perú")
    assert pe.national_domains == ["health", "work"]  # the minors' asylum rule does not count
    assert pe.missing_domains == ["education", "consular", "protection", "social_security",
                                  "legal_status", "asylum", "detention"]
    assert pe.confirmed_answers == 1
    assert (pe.reachable_services, pe.services) == (2, 3)  # retired and sample left out
    assert pe.cities == ["Lima", "Tumbes"] and pe.unreachable == ["s-none"]
    assert pe.hotline_purposes == ["emergency", "trafficking"]
    # Never verified: 2 rules, 1 hotline, 2 services (the retired hotline does not count).
    assert pe.stale == 5
    with session_scope(empty_db.engine) as s:
        [later] = coverage(s, on=DAY + dt.timedelta(days=400), max_age_days=365, rules=rules)
    assert later.stale == 8  # everything verified on 2026-12-01 is now old too


def test_coverage_command_prints_a_table_and_json(empty_db, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI's console reads its width once, at import, from the terminal (80 columns when
    # there is none, as under CI or a pytest-xdist worker): give it room for the whole table.
    monkeypatch.setattr(cli, "out", Console(width=250))
    small_db(empty_db, tmp_path)
    own = ["--rules-dir", str(tmp_path / "rules")]
    runner = CliRunner()
    res = runner.invoke(app, ["coverage", "--on", "2026-12-02", "--database-url", empty_db.url,
                              *own], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "PE Perú" in res.output and "2/9" in res.output and "1/2" in res.output
    assert "2: Lima, Tumbes" in res.output and "emergency, trafficking" in res.output
    res = runner.invoke(app, ["coverage", "--json", "--on", "2026-12-02",
                              "--database-url", empty_db.url, *own])
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.stdout)
    assert row["national_domains"] == ["health", "work"] and row["reachable_services"] == 2
    assert row["stale"] == 5
    shipped = runner.invoke(app, ["coverage", "--json", "--on", "2026-12-02",
                                  "--database-url", empty_db.url])
    assert shipped.exit_code == 0, shipped.output  # the shipped rules answer more for Peru
    assert len(json.loads(shipped.stdout)[0]["national_domains"]) > 2
    res = runner.invoke(app, ["coverage", "--on", "02/12/2026", "--database-url", empty_db.url])
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output
    res = runner.invoke(app, ["coverage", "--help"])
    assert res.exit_code == 0 and "irregular adult" in res.output
