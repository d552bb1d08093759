"""Bulk import through the browser: the whole file is validated first (errors by line and
field), a dry run in a transaction that is rolled back previews what would change, then one
transaction writes all or nothing while a job reports its progress.

The uploaded file waits in a private temporary folder under a random token until it is applied
or discarded (at most `KEEP_SECONDS`); listings hold no personal data."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from knowledge import io as kio
from knowledge.db import session_scope

KEEP_SECONDS = 3600
SUFFIXES = (".csv", ".yaml", ".yml")


@dataclass
class Preview:
    token: str
    filename: str
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    new_ids: list[str]
    changed_ids: list[str]


@dataclass
class Job:
    id: str
    kind: str
    filename: str
    total: int
    done: int = 0
    state: str = "running"  # running | done | failed
    message: str = ""
    result: Any = None
    started: float = field(default_factory=time.monotonic)


class ImportDesk:
    """Uploaded files awaiting confirmation and the jobs applying them."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="console-import-"))
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _purge(self) -> None:
        now = time.time()
        for path in self.folder.iterdir():
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink(missing_ok=True)

    def keep(self, filename: str, content: bytes) -> Path:
        self._purge()
        suffix = Path(filename).suffix.lower()
        token = secrets.token_urlsafe(16)
        path = self.folder / f"{token}{suffix}"
        path.write_bytes(content)
        return path

    def find(self, token: str) -> Path | None:
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            return None
        for suffix in SUFFIXES:
            path = self.folder / f"{token}{suffix}"
            if path.exists():
                return path
        return None

    def discard(self, token: str) -> None:
        path = self.find(token)
        if path is not None:
            path.unlink(missing_ok=True)

    def preview(self, engine: Engine, path: Path, filename: str, kind: str | None
                ) -> Preview:
        """Validate every row (raises `ImportFailed` listing each error by line and field),
        then count what would change in a transaction that is rolled back."""
        found, rows, errors = kio.read_file(path, kind)
        if errors:
            raise kio.ImportFailed(sorted(errors, key=lambda e: (e.line or 0, e.field)))
        model: Any = kio.MODELS[found]
        ids = [getattr(obj, "id") for _, obj in rows]  # noqa: B009
        with Session(engine) as s:
            existing: set[str] = set()
            for start in range(0, len(ids), 2000):
                existing |= set(s.scalars(select(model.id).where(
                    model.id.in_(ids[start:start + 2000]))))
            s.info["actor"] = "preview"
            result = kio.import_file(s, path, found)
            s.rollback()
        return Preview(token=path.stem, filename=filename, kind=found, rows=result.rows,
                       created=result.created, updated=result.updated,
                       unchanged=result.unchanged,
                       new_ids=[i for i in ids if i not in existing][:20],
                       changed_ids=[i for i in ids if i in existing][:20])

    def start(self, engine: Engine, path: Path, kind: str, filename: str, actor: str,
              total: int) -> Job:
        job = Job(id=secrets.token_urlsafe(12), kind=kind, filename=filename, total=total)
        with self._lock:
            self.jobs[job.id] = job

        def progress(done: int, _total: int) -> None:
            job.done = done

        def run() -> None:
            try:
                with session_scope(engine, actor=actor) as s:
                    job.result = kio.import_file(s, path, kind, progress=progress)
                job.done = job.total
                job.state = "done"
            except kio.ImportFailed as exc:
                job.state, job.message = "failed", str(exc)
            except Exception as exc:  # the transaction rolled back: nothing was written
                job.state, job.message = "failed", type(exc).__name__
            finally:
                path.unlink(missing_ok=True)

        threading.Thread(target=run, name=f"import-{job.id}", daemon=True).start()
        return job


def export(engine: Engine, kind: str, fmt: str) -> tuple[bytes, str]:
    """Every listing of `kind` as CSV or YAML; returns (content, media type)."""
    suffix = ".csv" if fmt == "csv" else ".yaml"
    with tempfile.TemporaryDirectory(prefix="console-export-") as tmp:
        path = Path(tmp) / f"{kind}{suffix}"
        with Session(engine) as s:
            kio.export_file(s, path, kind)
        data = path.read_bytes()
    return data, "text/csv; charset=utf-8" if fmt == "csv" else "application/yaml"
