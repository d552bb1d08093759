"""Rule tests as data: every case in `knowledge/rules/cases/*.yaml` pins an outcome by date,
run against the seeded database of each backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.api import Profile, evaluate
from knowledge.rules import RULES_DIR
from knowledge.setup import seeded_countries

CASE_KEYS = {"name", "profile", "date", "expect", "absent"}
EXPECT_KEYS = {"jurisdiction", "domain", "status", "rules", "legal_basis", "warnings_contain"}


def _cases() -> list[Any]:
    out = []
    for path in sorted((RULES_DIR / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return out


CASES = _cases()


def test_every_country_has_at_least_three_cases() -> None:
    counts: dict[str, int] = {}
    for p in CASES:
        counts[p.values[0]["profile"]["country"]] = counts.get(
            p.values[0]["profile"]["country"], 0) + 1
    assert set(counts) == set(seeded_countries())
    assert min(counts.values()) >= 3
    situations = {s for p in CASES for s in p.values[0]["profile"].get("situation", [])}
    assert {"pregnant", "trafficking_victim", "detained"} <= situations
    assert any(p.values[0]["profile"].get("age", 99) < 18 for p in CASES)


@pytest.mark.parametrize("case", CASES)
def test_rule_case(session, case: dict[str, Any]) -> None:
    assert set(case) <= CASE_KEYS, f"unknown keys {set(case) - CASE_KEYS}"
    profile = Profile.from_dict(case["profile"])
    on = case["date"] if isinstance(case["date"], dt.date) else dt.date.fromisoformat(case["date"])
    expected = case.get("expect", [])
    absent = case.get("absent", [])
    domains = sorted({e["domain"] for e in expected + absent})
    ev = evaluate(session, profile, on=on, domains=domains, lang="en", with_contacts=False)
    got = {(e.jurisdiction, e.domain): e for e in ev.entitlements}
    for exp in expected:
        assert set(exp) <= EXPECT_KEYS, f"unknown keys {set(exp) - EXPECT_KEYS}"
        key = (exp.get("jurisdiction", profile.country), exp["domain"])
        assert key in got, f"no entitlement for {key}; got {sorted(got)}"
        ent = got[key]
        assert ent.status == exp["status"], (key, ent.status, ent.rules)
        if "rules" in exp:
            assert sorted(ent.rules) == sorted(exp["rules"]), key
        for title, article in exp.get("legal_basis", []):
            assert (title, article) in [(b.title, b.article) for b in ent.legal_basis], key
        if "warnings_contain" in exp:
            assert any(exp["warnings_contain"] in w for w in ent.warnings), ent.warnings
        if ent.rules:
            assert ent.legal_basis, f"{key}: an entitlement must name its legal basis"
        if ent.confidence == "confirmed":
            assert ent.verified_on is not None
    for miss in absent:
        key = (miss.get("jurisdiction", profile.country), miss["domain"])
        assert key not in got, f"unexpected entitlement {key}: {got.get(key)}"


def test_cases_dir_exists() -> None:
    assert Path(RULES_DIR / "cases").is_dir()
