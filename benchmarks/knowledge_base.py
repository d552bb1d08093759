"""Knowledge-base benchmarks: entitlement evaluation per profile, service search p95 over
100,000 generated listings and the import of those listings, on SQLite and PostgreSQL.

Run `python -m benchmarks.knowledge_base` (PostgreSQL is skipped when unreachable). Generated
listings live only in throw-away databases (a temporary SQLite file and a temporary schema).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from benchmarks.measure import percentile

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CITIES = {
    "MX": [(19.43, -99.13), (20.67, -103.35), (25.67, -100.31), (32.53, -117.02)],
    "CO": [(4.71, -74.07), (6.24, -75.58), (7.89, -72.51), (10.96, -74.80)],
    "BR": [(-23.55, -46.63), (-22.91, -43.17), (-15.79, -47.88), (2.82, -60.67)],
    "CL": [(-33.45, -70.67), (-18.48, -70.31), (-23.65, -70.40)],
    "PE": [(-12.05, -77.04), (-8.11, -79.03), (-16.41, -71.54)],
    "AR": [(-34.60, -58.38), (-31.42, -64.18), (-32.95, -60.64)],
    "EC": [(-0.18, -78.47), (-2.19, -79.89)],
    "CR": [(9.93, -84.09)],
    "DO": [(18.49, -69.93), (19.45, -70.70)],
    "UY": [(-34.90, -56.16)],
    "US": [(40.71, -74.01), (34.05, -118.24), (29.76, -95.37), (25.76, -80.19)],
    "ES": [(40.42, -3.70), (41.39, 2.17)],
}
CATEGORIES = ("health", "education", "legal_aid", "shelter", "food", "psychosocial", "work")
LANGS = ("es", "en", "pt", "fr", "ht")
PROFILES: list[dict[str, Any]] = [
    {"country": "MX", "nationality": "VE", "migration_status": "irregular", "age": 30,
     "situation": ["pregnant"]},
    {"country": "AR", "nationality": "BO", "migration_status": "irregular", "age": 40},
    {"country": "CL", "nationality": "HT", "age": 9},
    {"country": "DO", "nationality": "HT", "migration_status": "irregular",
     "situation": ["detained"]},
    {"country": "US", "nationality": "HN", "situation": ["trafficking_victim"]},
    {"country": "CO", "nationality": "VE", "migration_status": "regular"},
]


def generate_listings(path: Path, n: int, seed: int = 7) -> None:
    """Write `n` synthetic service listings around real city centres to a CSV file."""
    rnd = random.Random(seed)
    points = [(c, lat, lon) for c, cities in CITIES.items() for lat, lon in cities]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "organisation", "categories", "country", "city", "lat", "lon",
                    "languages", "cost", "confidence", "verified_on", "is_sample"])
        for i in range(n):
            country, lat, lon = rnd.choice(points)
            cats = "|".join(rnd.sample(CATEGORIES, rnd.randint(1, 3)))
            langs = "|".join(["es" if country not in ("BR", "US") else
                              ("pt" if country == "BR" else "en")]
                             + rnd.sample(LANGS, rnd.randint(0, 2)))
            langs = "|".join(dict.fromkeys(langs.split("|")))
            w.writerow([f"bench-{i:06d}", f"Listing {i}", f"Organisation {i % 997}", cats,
                        country, "", f"{lat + rnd.gauss(0, 0.25):.5f}",
                        f"{lon + rnd.gauss(0, 0.25):.5f}", langs, "free",
                        "confirmed", (dt.date(2026, 1, 1) - dt.timedelta(days=i % 700)),
                        "false"])


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A migrated, seeded, throw-away database URL for `backend`."""
    from knowledge.setup import prepare

    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            prepare(url)
            yield url
        return
    schema = f"kbbench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    try:
        prepare(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench_backend(backend: str, csv_path: Path, n: int, queries: int) -> list[tuple]:
    from knowledge.api import Profile, evaluate, search_services
    from knowledge.db import make_engine, session_scope
    from knowledge.io import import_file, refresh_statistics

    rows: list[tuple] = []
    with database(backend) as url:
        engine = make_engine(url)
        day = dt.date(2026, 11, 28)
        with session_scope(engine) as s:
            profiles = [Profile.from_dict(p) for p in PROFILES]
            for p in profiles:  # warm the compiled-rule cache
                evaluate(s, p, on=day, with_contacts=False)
            ms = timed(lambda: [evaluate(s, p, on=day, lang="es", with_contacts=False)
                                for p in profiles], 200)
            per = [m / len(profiles) for m in ms]
            p95 = percentile(per, 95)
            rows.append((backend, "entitlement evaluation, one profile (mean / p95)",
                         f"{statistics.mean(per):.3f} ms / {p95:.3f} ms", "≤ 2 ms", p95 <= 2))
        t = time.perf_counter()
        with session_scope(engine, actor="bench") as s:
            res = import_file(s, csv_path)
        secs = time.perf_counter() - t
        rows.append((backend, f"import {res.created:,} listings (CSV, validated, audited)",
                     f"{secs:.1f} s", "≤ 60 s", secs <= 60))
        refresh_statistics(engine)
        if backend == "postgresql":  # flush the bulk load now, not during the measurement
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("CHECKPOINT"))
        # Searches run in another process in production (the action server), never on the
        # connection that just bulk-loaded; start from fresh connections.
        engine.dispose()
        engine = make_engine(url)
        rnd = random.Random(11)
        points = [(c, lat, lon) for c, cities in CITIES.items() for lat, lon in cities]
        lat_ms: list[float] = []
        hits = 0
        with session_scope(engine) as s:
            for i in range(queries + 50):
                country, lat, lon = rnd.choice(points)
                cat = rnd.choice(CATEGORIES)
                lang = rnd.choice(("es", "en", "pt", "fr", "ht"))
                radius = rnd.choice((5, 10, 25, 50))
                t = time.perf_counter()
                page = search_services(s, country=country, category=cat, language=lang,
                                       near=(lat + rnd.uniform(-0.1, 0.1),
                                             lon + rnd.uniform(-0.1, 0.1)),
                                       radius_km=radius, per_page=10)
                elapsed = (time.perf_counter() - t) * 1000
                if i >= 50:  # the first queries warm caches
                    lat_ms.append(elapsed)
                    hits += page.total
        rows.append((backend, f"service search over {n:,} listings, {queries} queries "
                              f"(p50 / p95; mean {hits / queries:.0f} hits)",
                     f"{percentile(lat_ms, 50):.2f} ms / {percentile(lat_ms, 95):.2f} ms",
                     "p95 ≤ 10 ms", percentile(lat_ms, 95) <= 10))
        engine.dispose()
    return rows


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", "postgresql"]
    console = Console(width=130)
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "listings.csv"
        generate_listings(csv_path, args.listings)
        for backend in backends:
            if backend == "postgresql" and not postgres_available():
                rows.append((backend, "PostgreSQL not reachable at 127.0.0.1:5432", "-", "-",
                             None))
                continue
            rows += bench_backend(backend, csv_path, args.listings, args.queries)
    table = Table(title="Knowledge base benchmarks")
    for col in ("backend", "what", "measured", "budget", "ok"):
        table.add_column(col)
    for backend, what, measured, budget, ok in rows:
        table.add_row(backend, what, measured, budget,
                      "-" if ok is None else ("yes" if ok else "NO"))
    console.print(table)
    return 0 if all(r[4] is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
