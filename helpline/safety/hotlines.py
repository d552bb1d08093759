"""The hotline snapshot: every country's emergency and danger hotlines in one JSON file, so the
gateway answers a danger message with numbers without opening the knowledge database.

The action server writes it at start and again every `HOTLINE_SNAPSHOT_SECONDS` (the knowledge
base is the source: the console edits hotlines there); `python -m helpline.safety.hotlines`
writes it once (after `helpline kb seed`, or from a job). The gateway reads it, and reads it
again when the file changes. A missing or unreadable snapshot gives no numbers: the gateway then
gives the general advice and asks for the country, as it does for an unknown country.

Format: `{"version": 1, "written_at": "<ISO time>", "countries": {"MX": [{"purpose":
"emergency", "name": "Emergencias", "number": "911"}, ...]}}`, each country's lines in the
knowledge base's order (emergency first).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpline.safety.danger import PURPOSES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
#: Every purpose some kind of danger lists: what the snapshot holds.
SNAPSHOT_PURPOSES: tuple[str, ...] = tuple(dict.fromkeys(p for ps in PURPOSES.values() for p in ps))


@dataclass(frozen=True)
class HotlineLine:
    """One number to call."""

    purpose: str
    name: str
    number: str


def snapshot_from(session: Session, countries: Iterable[str] | None = None) -> dict[str, Any]:
    """The snapshot of the knowledge base behind `session` (every seeded country by default)."""
    from knowledge.api import hotlines, seeded_countries

    out: dict[str, list[dict[str, str]]] = {}
    for code in countries if countries is not None else seeded_countries():
        found = hotlines(session, code, purposes=SNAPSHOT_PURPOSES)
        if found:
            out[code.upper()] = [{"purpose": h.purpose, "name": h.name or "", "number": h.number}
                                 for h in found]
    return {"version": SNAPSHOT_VERSION,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "countries": out}


def write_snapshot(path: Path, snapshot: dict[str, Any]) -> None:
    """Write `snapshot` to `path` atomically (a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(snapshot, out, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def refresh_snapshot(session: Session, path: Path) -> int:
    """Write the snapshot of the knowledge base to `path`; returns how many countries it holds."""
    snapshot = snapshot_from(session)
    write_snapshot(path, snapshot)
    return len(snapshot["countries"])


class HotlineSnapshot:
    """The gateway's view of the snapshot file, read again whenever the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._countries: dict[str, list[HotlineLine]] = {}
        self._missing_told = False

    def _load(self) -> dict[str, list[HotlineLine]]:
        """The countries of the file as it is now (the last good read if it cannot be read)."""
        try:
            st = self.path.stat()
        except OSError:
            if not self._missing_told:
                log.warning("no hotline snapshot at %s yet", self.path)
                self._missing_told = True
            return self._countries
        self._missing_told = False
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return self._countries
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != SNAPSHOT_VERSION:
                raise ValueError(f"snapshot version {data.get('version')!r}")
            countries = {
                str(code).upper(): [HotlineLine(str(h["purpose"]), str(h.get("name") or ""),
                                                str(h["number"])) for h in lines]
                for code, lines in (data.get("countries") or {}).items()
            }
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.error("hotline snapshot unreadable (%s); keeping the last one", type(exc).__name__)
            return self._countries
        self._stamp, self._countries = stamp, countries
        return countries

    def lines(self, country: str, purposes: Iterable[str]) -> list[HotlineLine]:
        """The country's lines of `purposes`: emergency first, then in the order of `purposes`."""
        wanted = list(purposes)
        rank = {p: i for i, p in enumerate(["emergency", *[p for p in wanted if p != "emergency"]])}
        with self._lock:
            found = [h for h in self._load().get(country.upper(), []) if h.purpose in wanted]
        order = {id(h): i for i, h in enumerate(found)}
        return sorted(found, key=lambda h: (rank.get(h.purpose, 99), order[id(h)]))

    def numbers(self, country: str, purposes: Iterable[str]) -> list[tuple[str, str]]:
        """(name, number) pairs for a country; empty when unknown or without a snapshot."""
        return [(h.name, h.number) for h in self.lines(country, purposes)]


def main() -> int:
    """Write the snapshot from `DATABASE_URL` to `HOTLINE_SNAPSHOT_PATH`."""
    from helpline.settings import get_action_settings
    from knowledge.db import make_engine, session_scope

    settings = get_action_settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            count = refresh_snapshot(session, settings.hotline_snapshot_path)
    finally:
        engine.dispose()
    print(f"hotline snapshot: {count} countries -> {settings.hotline_snapshot_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
