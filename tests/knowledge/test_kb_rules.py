"""The rule loader: schema validation with file/line/field, conflicts, exceptions, dates."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from knowledge.rules import RuleConflictError, RuleError, load_rule_files
from knowledge.setup import seeded_countries

HEADER = """\
jurisdiction: XX
sources:
  s1: {title: Some Law, article: "1"}
rules:
"""

GENERAL = """\
  - id: xx.health.all
    domain: health
    status: granted
    citations: [s1]
    confidence: unconfirmed
    text: {en: {summary: all}, es: {summary: todos}}
"""


def write(tmp_path: Path, body: str, name: str = "XX.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER.replace("XX", "AR") + textwrap.dedent(body), encoding="utf-8")
    return path


def test_shipped_rules_load_without_conflict() -> None:
    rs = load_rule_files()
    assert {*seeded_countries(), "INT"} <= set(rs.by_jurisdiction)


def test_misplaced_key_is_rejected_with_file_line_and_field(tmp_path: Path) -> None:
    body = GENERAL + """\
  - id: xx.health.pregnant
    domain: health
    status: granted
    citations: [s1]
    confidence: unconfirmed
    text: {en: {summary: p}, es: {summary: p}}
    situation: {all: [pregnant]}
"""
    path = write(tmp_path, body)
    with pytest.raises(RuleError) as info:
        load_rule_files([path])
    msg = str(info.value)
    assert str(path) in msg and ":11:" in msg
    assert "rules/1" in msg and "situation" in msg


def test_unknown_condition_and_bad_status_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, GENERAL.replace("status: granted", "status: maybe"))
    with pytest.raises(RuleError, match="rules/0/status"):
        load_rule_files([path])
    path = write(tmp_path, GENERAL + "    when: {colour: [blue]}\n")
    with pytest.raises(RuleError, match="rules/0/when"):
        load_rule_files([path])


def test_confirmed_rule_needs_verified_on(tmp_path: Path) -> None:
    path = write(tmp_path, GENERAL.replace("confidence: unconfirmed", "confidence: confirmed"))
    with pytest.raises(RuleError, match="verified_on"):
        load_rule_files([path])


LIMITED = """\
  - id: xx.health.irregular
    domain: health
    status: limited
    when: {migration_status: [irregular]}
    citations: [s1]
    confidence: unconfirmed
    text: {en: {summary: limited}, es: {summary: limitado}}
"""


def test_conflict_without_precedence_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, GENERAL + LIMITED)
    with pytest.raises(RuleConflictError) as info:
        load_rule_files([path])
    assert "xx.health.all" in str(info.value) and "xx.health.irregular" in str(info.value)


def test_exception_resolves_conflict_and_wins(tmp_path: Path) -> None:
    path = write(tmp_path, GENERAL + LIMITED + "    exception_to: [xx.health.all]\n")
    rs = load_rule_files([path])
    empty: frozenset[str] = frozenset()
    args = ("AR", "VE", "irregular", 30, None, empty, dt.date(2026, 1, 1))
    assert [r.id for r in rs.fire("AR", *args)] == ["xx.health.irregular"]
    args = ("AR", "VE", "regular", 30, None, frozenset(), dt.date(2026, 1, 1))
    assert [r.id for r in rs.fire("AR", *args)] == ["xx.health.all"]


def test_disjoint_conditions_or_dates_do_not_conflict(tmp_path: Path) -> None:
    regular_only = GENERAL.replace("    text:", "    when: {migration_status: [regular]}\n"
                                   "    text:")
    load_rule_files([write(tmp_path, regular_only + LIMITED)])
    dated = GENERAL.replace("    text:", "    effective: {to: 2020-12-31}\n    text:")
    later = LIMITED.replace("    text:", "    effective: {from: 2021-01-01}\n    text:")
    rs = load_rule_files([write(tmp_path, dated + later)])
    old = rs.fire("AR", "AR", None, "irregular", None, None, frozenset(), dt.date(2020, 6, 1))
    new = rs.fire("AR", "AR", None, "irregular", None, None, frozenset(), dt.date(2021, 6, 1))
    assert [r.id for r in old] == ["xx.health.all"]
    assert [r.id for r in new] == ["xx.health.irregular"]


def test_exception_cycle_and_dangling_references_are_errors(tmp_path: Path) -> None:
    a = LIMITED + "    exception_to: [xx.health.all]\n"
    b = GENERAL + "    exception_to: [xx.health.irregular]\n"
    with pytest.raises(RuleError, match="cycle"):
        load_rule_files([write(tmp_path, a + b)])
    with pytest.raises(RuleError, match="unknown rule"):
        load_rule_files([write(tmp_path, GENERAL + "    exception_to: [nope]\n")])
    with pytest.raises(RuleError, match="unknown source"):
        load_rule_files([write(tmp_path, GENERAL.replace("[s1]", "[s9]"))])


def test_duplicate_rule_ids_across_files(tmp_path: Path) -> None:
    one = write(tmp_path, GENERAL, "A.yaml")
    two = write(tmp_path, GENERAL, "B.yaml")
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_rule_files([one, two])
