"""Bulk import and export of listings (services, hotlines, consulates) as CSV or YAML.

An import validates every row first and writes nothing if any row is wrong; each error names
the file, the line and the field. Writes go in one transaction with one audit row per changed
listing. Large files show a progress bar.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, Table, bindparam, select, text, update
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.audit import _jsonable
from knowledge.bulk import bulk_insert
from knowledge.schemas import KINDS, Listing, ServiceIn, phones_to_text
from knowledge.search_index import sync_rows
from knowledge.setup import service_values
from knowledge.yamlio import YamlError, line_of, load_with_lines

MODELS: dict[str, type[m.Base]] = {"services": m.Service, "hotlines": m.Hotline,
                                   "consulates": m.Consulate}
AUDIT_TABLE: Table = m.AuditEntry.__table__  # type: ignore[assignment]
CHUNK = 2000


@dataclass(frozen=True)
class RowError:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or '?'}: field {self.field}: {self.message}"


class ImportFailed(ValueError):
    """The file has errors; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__("\n".join(str(e) for e in errors[:20]) + more)


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(text: str) -> str:
    """Neutralise a CSV cell a spreadsheet would run as a formula: prefix it with `'`. A cell
    that already starts with `'` and a formula character gets one more, so import undoes
    exactly what export did."""
    if text.startswith(FORMULA_START) or (text.startswith("'")
                                          and text[1:].lstrip("'").startswith(FORMULA_START)):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo `escape_cell`."""
    if text.startswith("'") and text[1:].lstrip("'").startswith(FORMULA_START):
        return text[1:]
    return text


def _detect_kind_from_header(header: Sequence[str]) -> str:
    cols = set(header)
    if "purpose" in cols:
        return "hotlines"
    if "nationality" in cols:
        return "consulates"
    return "services"


def _read_csv(path: Path, text: str) -> tuple[str, list[tuple[int, dict[str, Any]]],
                                               list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[RowError] = []
    try:
        header = next(reader)
    except StopIteration:
        return "services", [], [RowError(str(path), 1, "(header)", "empty file")]
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        return _detect_kind_from_header(header), [], [
            RowError(str(path), 1, "(header)", f"column {dupes[0]!r} appears more than once")]
    rows: list[tuple[int, dict[str, Any]]] = []
    line = reader.line_num
    try:
        for raw in reader:
            start = line + 1
            line = reader.line_num
            if not any(c.strip() for c in raw):
                continue
            if len(raw) != len(header):
                errors.append(RowError(str(path), start, "(row)",
                                       f"{len(raw)} columns, header has {len(header)}"))
                continue
            row = {k: unescape_cell(v.strip()) for k, v in zip(header, raw, strict=True)
                   if v.strip() != ""}
            rows.append((start, row))
    except csv.Error as exc:
        errors.append(RowError(str(path), reader.line_num, "(row)", f"malformed CSV: {exc}"))
    return _detect_kind_from_header(header), rows, errors


def _read_yaml(path: Path, text: str, kind: str | None
               ) -> tuple[str, list[tuple[int, dict[str, Any]]], list[RowError]]:
    try:
        data, lines = load_with_lines(text)
    except YamlError as exc:
        return kind or "services", [], [RowError(str(path), exc.line, "(yaml)", exc.message)]
    if not isinstance(data, dict) or not data:
        return kind or "services", [], [RowError(str(path), 1, "(top level)",
                                                 "expected a mapping with services, hotlines "
                                                 "or consulates")]
    unknown = [k for k in data if k not in KINDS]
    if unknown:
        return kind or "services", [], [RowError(str(path), line_of(lines, (unknown[0],)),
                                                 unknown[0], "unknown section (expected "
                                                 "services, hotlines or consulates)")]
    if len(data) != 1:
        return kind or "services", [], [RowError(str(path), 1, "(top level)",
                                                 "one section per file")]
    found = next(iter(data))
    if kind and kind != found:
        return kind, [], [RowError(str(path), 1, found, f"file holds {found}, not {kind}")]
    items = data[found]
    if not isinstance(items, list):
        return found, [], [RowError(str(path), line_of(lines, (found,)), found,
                                    "expected a list")]
    rows = []
    errors = []
    for i, item in enumerate(items):
        ln = line_of(lines, (found, i))
        if not isinstance(item, dict):
            errors.append(RowError(str(path), ln, f"{found}[{i}]", "expected a mapping"))
            continue
        item = dict(item)
        item["__lines__"] = {k: line_of(lines, (found, i, k)) for k in item}
        rows.append((ln or 0, item))
    return found, rows, errors


def read_file(path: Path, kind: str | None = None
              ) -> tuple[str, list[tuple[int, BaseModel]], list[RowError]]:
    """Parse and validate every row of `path`; returns (kind, valid rows, errors)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return kind or "services", [], [RowError(str(path), None, "(file)", str(exc))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        return kind or "services", [], [RowError(
            str(path), line, "(file)", f"not UTF-8: byte 0x{raw[exc.start]:02x} at column "
            f"{column} (save the file as UTF-8)")]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        found, rows, errors = _read_csv(path, text)
        found = kind or found
    elif suffix in (".yaml", ".yml"):
        found, rows, errors = _read_yaml(path, text, kind)
    else:
        return kind or "services", [], [RowError(str(path), None, "(file)",
                                                 "unsupported format (use .csv or .yaml)")]
    schema = KINDS[found]
    valid: list[tuple[int, BaseModel]] = []
    seen: dict[str, int] = {}
    for ln, row in rows:
        field_lines = row.pop("__lines__", {})
        try:
            obj = schema.model_validate(row)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(row)"
                where = field_lines.get(err["loc"][0], ln) if err["loc"] else ln
                errors.append(RowError(str(path), where or ln, loc, err["msg"]))
            continue
        assert isinstance(obj, Listing)
        if obj.id in seen:
            errors.append(RowError(str(path), ln, "id",
                                   f"duplicate id {obj.id!r} (first on line {seen[obj.id]})"))
            continue
        seen[obj.id] = ln
        valid.append((ln, obj))
    return found, valid, errors


def _values(kind: str, obj: BaseModel) -> dict[str, Any]:
    if isinstance(obj, ServiceIn):
        rename = {"categories_text": "categories", "languages_text": "languages"}
        return {rename.get(k, k): val for k, val in service_values(obj).items()}
    return obj.model_dump()


def _audit_view(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in values.items() if k != "search_text"}


def import_file(session: Session, path: Path, kind: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Validate all of `path`, then upsert every row in the session's transaction.

    Raises ImportFailed (nothing written) on any error. `progress(done, total)` is called as
    rows are written."""
    found, rows, errors = read_file(Path(path), kind)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.line or 0, e.field)))
    model = MODELS[found]
    table: Table = model.__table__  # type: ignore[assignment]
    result = ImportResult(kind=found, rows=len(rows))
    actor = str(session.info.get("actor", "import"))
    now = m.utcnow()
    conn = session.connection()
    total = len(rows)
    for start in range(0, total, CHUNK):
        chunk = [_values(found, obj) for _, obj in rows[start:start + CHUNK]]
        ids = [v["id"] for v in chunk]
        existing = {r._mapping["id"]: dict(r._mapping)
                    for r in conn.execute(select(table).where(table.c.id.in_(ids)))}
        inserts, updates, audits = [], [], []
        for v in chunk:
            old = existing.get(v["id"])
            if old is None:
                inserts.append(v)
                audits.append({"at": now, "actor": actor, "action": "create",
                               "entity": table.name, "entity_id": v["id"], "before": None,
                               "after": _audit_view(v)})
            else:
                merged = {**old, **v}
                if any(old.get(k) != val for k, val in v.items()):
                    updates.append({"b_id": v["id"], **{"v_" + k: val for k, val in v.items()
                                                        if k != "id"}})
                    audits.append({"at": now, "actor": actor, "action": "update",
                                   "entity": table.name, "entity_id": v["id"],
                                   "before": _audit_view(old), "after": _audit_view(merged)})
                else:
                    result.unchanged += 1
        if inserts:
            bulk_insert(conn, table, inserts)
        if updates:
            cols = [k[2:] for k in updates[0] if k != "b_id"]
            conn.execute(update(table).where(table.c.id == bindparam("b_id"))
                         .values({c: bindparam("v_" + c) for c in cols}), updates)
        if audits:
            bulk_insert(conn, AUDIT_TABLE, audits)
        if found == "services" and (inserts or updates):
            touched = {a["entity_id"] for a in audits}
            changed = [v for v in chunk if v["id"] in touched]
            merged_rows = [{**existing.get(v["id"], {}), **v} for v in changed]
            sync_rows(conn, [v["id"] for v in changed], merged_rows)
        result.created += len(inserts)
        result.updated += len(updates)
        if progress:
            progress(min(start + CHUNK, total), total)
    return result


EXPORT_FIELDS: dict[str, list[str]] = {
    kind: list(schema.model_fields) for kind, schema in KINDS.items()
}


def _rows_for_export(session: Session, kind: str) -> Iterator[dict[str, Any]]:
    model = MODELS[kind]
    for obj in session.scalars(select(model).order_by(model.id)):  # type: ignore[attr-defined]
        yield {f: getattr(obj, f) for f in EXPORT_FIELDS[kind]}


def _csv_cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # numbers (a longitude of -92.26) are not formulas
    if key == "phones":
        return escape_cell(phones_to_text(value))
    if isinstance(value, list):
        return escape_cell("|".join(value))
    return escape_cell(str(value))


def _yaml_value(key: str, value: Any) -> Any:
    if key == "phones":
        return [{k: v for k, v in p.items() if v is not None} for p in value]
    return _jsonable(value)


def export_file(session: Session, path: Path, kind: str = "services") -> int:
    """Write every listing of `kind` to `path` (.csv or .yaml); returns the row count."""
    import yaml

    rows = list(_rows_for_export(session, kind))
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_FIELDS[kind])
            for r in rows:
                writer.writerow([_csv_cell(k, v) for k, v in r.items()])
    elif suffix in (".yaml", ".yml"):
        clean = [{k: _yaml_value(k, v) for k, v in r.items() if v is not None and v != []}
                 for r in rows]
        path.write_text(yaml.safe_dump({kind: clean}, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    elif suffix == ".json":
        path.write_text(json.dumps({kind: rows}, default=_jsonable, ensure_ascii=False),
                        encoding="utf-8")
    else:
        raise ValueError(f"{path}: unsupported format (use .csv or .yaml)")
    return len(rows)


def refresh_statistics(engine: Engine) -> None:
    """Update planner statistics after a bulk load (PostgreSQL also sets the visibility map
    so searches can use index-only scans)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE services, service_search"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
