"""Hostile input to the data loaders and bulk import: YAML alias bombs and deep nesting,
non-UTF-8 CSV, duplicate header columns, control characters, bidi overrides, non-web links and
over-long fields are refused with file, line and field; CSV export is safe to open in a
spreadsheet and re-imports unchanged."""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from knowledge import models as m
from knowledge.db import session_scope
from knowledge.io import ImportFailed, escape_cell, export_file, import_file, unescape_cell
from knowledge.rules import RULES_DIR, RuleError, load_rule_files
from knowledge.yamlio import YamlError, load_with_lines


def alias_bomb() -> str:
    """The 357-byte billion-laughs document: nine levels of nine aliases (9^9 leaves)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    text = "\n".join(lines) + "\nservices: [*i]\n"
    assert len(text.encode()) == 357
    return text


def test_alias_bomb_is_refused_at_once_with_its_line() -> None:
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(YamlError) as info:
        load_with_lines(alias_bomb())
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\nalias bomb in-process: refused in {elapsed * 1000:.2f} ms, "
          f"peak Python allocation {peak / 1024:.1f} KiB")
    assert info.value.line == 1 and "anchor &a" in info.value.message
    assert elapsed < 0.5 and peak < 1024 * 1024


def _limit_memory() -> None:  # in the child: a regression must not take the machine down
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))


@pytest.mark.process
def test_kb_import_refuses_the_alias_bomb_quickly_in_little_memory(empty_db,
                                                                    tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    out_path, err_path = tmp_path / "out.txt", tmp_path / "err.txt"
    start = time.perf_counter()
    with out_path.open("w") as out, err_path.open("w") as errf:
        proc = subprocess.Popen([sys.executable, "-m", "knowledge.cli", "import", str(bomb),
                                 "--database-url", empty_db.url], stdout=out, stderr=errf,
                                preexec_fn=_limit_memory, env={**os.environ, "COLUMNS": "300"})
    timer = threading.Timer(60, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    rss_mb = usage.ru_maxrss / 1024
    err = err_path.read_text()
    print(f"\nalias bomb through `kb import`: exit {proc.returncode} in {elapsed:.2f} s "
          f"(interpreter start included), peak RSS {rss_mb:.0f} MB")
    assert proc.returncode == 1, out_path.read_text() + err
    assert f"{bomb}:1: field (yaml): anchor &a not allowed" in err, err
    assert elapsed < 30 and rss_mb < 400


def test_alias_bomb_prepended_to_a_rule_file_fails_seed_with_the_line(tmp_path: Path) -> None:
    rules = tmp_path / "MX.yaml"
    original = (RULES_DIR / "MX.yaml").read_text(encoding="utf-8")
    rules.write_text("# header\n" + alias_bomb() + original, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(RuleError) as info:
        load_rule_files([rules])
    assert time.perf_counter() - start < 1
    assert str(info.value).startswith(f"{rules}:2: anchor &a")


def test_anchor_and_alias_of_plain_values_and_deep_nesting_are_refused() -> None:
    with pytest.raises(YamlError) as info:
        load_with_lines("services:\n  - id: a\n    name: &n Clinic\n  - id: b\n")
    assert info.value.line == 3
    with pytest.raises(YamlError) as info:
        load_with_lines("a: 1\nb: 2\nc: " + "[" * 60 + "]" * 60 + "\n")
    assert info.value.line == 3 and "nested deeper" in info.value.message
    data, _ = load_with_lines("a: [[1, 2], {b: c}]\n")  # ordinary nesting is fine
    assert data == {"a": [[1, 2], {"b": "c"}]}


HEADER = "id,name,categories,country,city,url,source_url,eligibility\n"
GOOD = "ok1,Good,health,MX,Tijuana,https://example.org,https://example.org/a,\n"


def import_errors(db, path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ImportFailed) as info, session_scope(db.engine) as s:
        import_file(s, path)
    with session_scope(db.engine) as s:
        assert s.get(m.Service, "ok1") is None  # nothing written
    return [(e.line, e.field, e.message) for e in info.value.errors]


def test_csv_that_is_not_utf8_names_the_line(empty_db, tmp_path: Path) -> None:
    f = tmp_path / "latin1.csv"
    f.write_bytes((HEADER + GOOD).encode() + "x2,Clínica,health,MX,,,,\n".encode("latin-1"))
    [(line, fld, msg)] = import_errors(empty_db, f)
    assert (line, fld) == (3, "(file)") and "not UTF-8" in msg and "column 6" in msg


def test_csv_with_a_duplicate_header_column_is_refused(empty_db, tmp_path: Path) -> None:
    f = tmp_path / "dup.csv"
    f.write_text("id,name,categories,country,name\nok1,A,health,MX,B\n", encoding="utf-8")
    [(line, fld, msg)] = import_errors(empty_db, f)
    assert (line, fld) == (1, "(header)") and "'name'" in msg


@pytest.mark.parametrize("cells, field, words", [
    ("x1,Clinic\x07,health,MX,,,,", "name", "control character U+0007"),
    ("x1,Clinic,health,MX,Tijuana\x00,,,", "city", "control character U+0000"),
    ("x1,\u202eSOLAR\u202c clinic,health,MX,,,,", "name", "bidirectional override U+202E"),
    ("x1,Clinic,health,MX,,,,Free \u2066for all", "eligibility", "U+2066"),
    ("x1,Clinic,health,MX,,javascript:alert(1),,", "url", "javascript: links"),
    ("x1,Clinic,health,MX,,JavaScript:alert(1),,", "url", "javascript: links"),
    ("x1,Clinic,health,MX,,,file:///etc/passwd,", "source_url", "file: links"),
    ("x1,Clinic,health,MX,,data:text/html;base64,,", "url", "data: links"),
    ("x1," + "N" * 301 + ",health,MX,,,,", "name", "at most 300"),
    ("x1,Clinic,health,MX," + "C" * 101 + ",,,", "city", "at most 100"),
    ("x1,Clinic,health,MX,,,," + "e" * 2001, "eligibility", "at most 2000"),
])
def test_unsafe_text_in_a_listing_is_refused_with_line_and_field(empty_db, tmp_path: Path,
                                                                 cells: str, field: str,
                                                                 words: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + GOOD + cells + "\n", encoding="utf-8")
    errors = import_errors(empty_db, f)
    assert any(line == 3 and fld == field and words in msg for line, fld, msg in errors), errors


def test_unsafe_text_in_yaml_names_the_line(empty_db, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("consulates:\n"
                 "  - id: c1\n    nationality: HN\n    country: MX\n    kind: consulate\n"
                 "    phones: [{number: '+52 55 1', label: \"centr\\u202eal\"}]\n"
                 "    url: 'file:///etc/passwd'\n", encoding="utf-8")
    errors = import_errors(empty_db, f)
    assert (6, "phones", "bidirectional override U+202E not allowed") in [
        (ln, fld.split(".")[0], msg.removeprefix("Value error, ")) for ln, fld, msg in errors]
    assert any(ln == 7 and fld == "url" for ln, fld, _ in errors), errors


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1:A9)", "\tlead", "\rlead", "'=quoted",
                                  "''+twice"])
def test_escape_cell_neutralises_and_round_trips(cell: str) -> None:
    escaped = escape_cell(cell)
    assert escaped.startswith("'") and unescape_cell(escaped) == cell


def test_escape_cell_leaves_ordinary_text_alone() -> None:
    for cell in ("Clinic", "'quoted' name", "2026-12-02", "https://example.org"):
        assert escape_cell(cell) == cell and unescape_cell(cell) == cell


def test_csv_export_is_safe_in_a_spreadsheet_and_reimports_unchanged(empty_db,
                                                                      tmp_path: Path) -> None:
    names = {"f1": "=HYPERLINK(\"http://evil\",\"click\")", "f2": "+cmd|' /C calc'!A0",
             "f3": "@SUM(A1:A9)", "f4": "-1+1 clinic", "f5": "'=already quoted"}
    source = tmp_path / "svc.yaml"
    source.write_text(yaml.safe_dump({"services": [
        {"id": sid, "name": name, "country": "MX", "categories": ["health"], "lat": 14.9,
         "lon": -92.26, "phones": [{"number": "+52 962 1"}]} for sid, name in names.items()]}),
        encoding="utf-8")
    with session_scope(empty_db.engine) as s:
        assert import_file(s, source).created == len(names)
    path = tmp_path / "svc.csv"
    with session_scope(empty_db.engine) as s:
        export_file(s, path, "services")
    rows = {r["id"]: r for r in csv.DictReader(path.open(encoding="utf-8", newline=""))}
    formula = ("=", "+", "-", "@", "\t", "\r")
    for r in rows.values():
        assert not any(v.startswith(formula) for k, v in r.items() if k != "lon"), r
        assert r["lon"] == "-92.26"  # numbers stay numbers
    assert rows["f1"]["name"] == "'" + names["f1"] and rows["f5"]["name"] == "''=already quoted"
    assert rows["f1"]["phones"] == "'+52 962 1"
    with session_scope(empty_db.engine) as s:
        res = import_file(s, path)
        assert (res.created, res.updated, res.unchanged) == (0, 0, len(names))
        assert {sid: s.get(m.Service, sid).name for sid in names} == names  # type: ignore[union-attr]
