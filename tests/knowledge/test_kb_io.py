"""Bulk import/export: round trips, all-or-nothing on bad input, errors naming file, line and
field, audit rows, and the CLI's exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from knowledge import models as m
from knowledge.cli import app
from knowledge.db import session_scope
from knowledge.io import ImportFailed, export_file, import_file

runner = CliRunner()
HEADER = "id,name,categories,country,city,lat,lon,languages,confidence,is_sample\n"


def count(db, model) -> int:
    with session_scope(db.engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_csv_import_creates_updates_and_audits(empty_db, tmp_path: Path) -> None:
    f = tmp_path / "svc.csv"
    f.write_text(HEADER + "a1,Clinic A,health|psychosocial,MX,Tijuana,32.5,-117.0,es|en,"
                 "unconfirmed,false\n"
                 "a2,\"Legal desk, B\",legal_aid,MX,Tijuana,32.52,-117.03,es,unconfirmed,\n",
                 encoding="utf-8")
    with session_scope(empty_db.engine, actor="alice") as s:
        res = import_file(s, f)
    assert (res.kind, res.created, res.updated) == ("services", 2, 0)
    f.write_text(HEADER + "a1,Clinic A2,health,MX,Tijuana,32.5,-117.0,es,unconfirmed,false\n",
                 encoding="utf-8")
    with session_scope(empty_db.engine, actor="bob") as s:
        res = import_file(s, f)
        assert (res.created, res.updated) == (0, 1)
        svc = s.get(m.Service, "a1")
        assert svc is not None and svc.name == "Clinic A2" and svc.categories == ["health"]
        audit = s.scalars(select(m.AuditEntry).where(m.AuditEntry.entity_id == "a1")
                          .order_by(m.AuditEntry.id)).all()
        assert [(a.action, a.actor) for a in audit] == [("create", "alice"), ("update", "bob")]
        before, after = audit[1].before, audit[1].after
        assert before is not None and after is not None
        assert before["name"] == "Clinic A" and after["name"] == "Clinic A2"
        b = s.get(m.Service, "a2")
        assert b is not None and b.name == "Legal desk, B"


BAD_ROWS = [
    ("x1,Clinic,health,MX,Tijuana,95,-117,es,unconfirmed,false\n", 2, "lat"),
    ("x1,Clinic,health,ZZ,Tijuana,32,-117,es,unconfirmed,false\n", 2, "country"),
    ("x1,Clinic,health,MX,Tijuana,32,-117,xx,unconfirmed,false\n", 2, "languages"),
    ("x1,Clinic,healing,MX,Tijuana,32,-117,es,unconfirmed,false\n", 2, "categories"),
    ("x1,Clinic,health,MX,Tijuana,32\n", 2, "(row)"),
    ("x1,Clinic,health,MX,Tijuana,32,-117,es,unconfirmed,false\n"
     "x1,Clinic,health,MX,Tijuana,32,-117,es,unconfirmed,false\n", 3, "id"),
    ("x1,Clinic,health,MX,Tijuana,32,-117,es,confirmed,false\n", 2, "(row)"),
]


@pytest.mark.parametrize("rows, line, field", BAD_ROWS)
def test_bad_csv_is_rejected_whole(empty_db, tmp_path: Path, rows, line, field) -> None:
    f = tmp_path / "bad.csv"
    good = "ok1,Good,health,MX,Tijuana,32,-117,es,unconfirmed,false\n"
    f.write_text(HEADER + good + rows.replace("\n", "\n", 1), encoding="utf-8")
    with pytest.raises(ImportFailed) as info, session_scope(empty_db.engine) as s:
        import_file(s, f)
    errors = info.value.errors
    assert any(e.line == line + 1 and e.field.startswith(field) and e.file == str(f)
               for e in errors), [str(e) for e in errors]
    assert count(empty_db, m.Service) == 0
    assert count(empty_db, m.AuditEntry) == 0


def test_yaml_errors_name_the_line(empty_db, tmp_path: Path) -> None:
    f = tmp_path / "h.yaml"
    f.write_text("hotlines:\n"
                 "  - {id: h1, country: MX, purpose: emergency, number: '911', name: E}\n"
                 "  - id: h2\n"
                 "    country: MX\n"
                 "    purpose: party\n"
                 "    number: '1'\n"
                 "    name: X\n", encoding="utf-8")
    res = runner.invoke(app, ["import", str(f), "--database-url", empty_db.url])
    assert res.exit_code == 1
    assert f"{f}:5: field purpose" in res.output
    assert "nothing was imported" in res.output
    assert count(empty_db, m.Hotline) == 0


def test_export_then_import_round_trip_on_both_formats(fresh_db, tmp_path: Path) -> None:
    for name in ("svc.csv", "svc.yaml"):
        path = tmp_path / name
        res = runner.invoke(app, ["export", str(path), "--database-url", fresh_db.url])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["import", str(path), "--database-url", fresh_db.url])
        assert res.exit_code == 0, res.output
        assert "0 created, 0 updated" in res.stdout
    with path.open(encoding="utf-8") as fh:
        assert "services:" in fh.readline()
    csv_rows = list(csv.DictReader((tmp_path / "svc.csv").open(encoding="utf-8")))
    assert len(csv_rows) == count(fresh_db, m.Service)
    for kind in ("hotlines", "consulates"):
        path = tmp_path / f"{kind}.yaml"
        with session_scope(fresh_db.engine) as s:
            n = export_file(s, path, kind)
        assert n > 0
        res = runner.invoke(app, ["import", str(path), "--database-url", fresh_db.url])
        assert res.exit_code == 0 and "0 created, 0 updated" in res.stdout, res.output


def test_cli_rejects_unknown_file_kind_and_missing_file(empty_db, tmp_path: Path) -> None:
    res = runner.invoke(app, ["import", str(tmp_path / "nope.csv"),
                              "--database-url", empty_db.url])
    assert res.exit_code == 2
    f = tmp_path / "x.txt"
    f.write_text("hello")
    res = runner.invoke(app, ["import", str(f), "--database-url", empty_db.url])
    assert res.exit_code == 1 and "unsupported format" in res.output
