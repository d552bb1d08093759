"""Create or upgrade the schema (Alembic) and load the seed: countries, hotlines, consulates and
services from `knowledge/seed`. Seeding is idempotent: a second run changes nothing and writes
no audit rows. Rules are not copied into the database: they are read from their files
(`knowledge.rules`); `rule_warnings` reports their sources' warnings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

import knowledge.audit  # noqa: F401  (installs the audit hook)
from knowledge import models as m
from knowledge.db import make_engine, normalise_url
from knowledge.rules import RuleSet
from knowledge.schemas import ConsulateIn, CountryIn, HotlineIn, ServiceIn, is_http_url
from knowledge.search import search_text_for
from knowledge.yamlio import YamlError, line_of, load_file

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
SEED_DIR = PACKAGE_DIR / "seed"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str, engine: Engine | None = None, revision: str = "head") -> None:
    """Upgrade the database at `url` (through `engine` if given) to `revision` (default: head)."""
    cfg = alembic_config(url)
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if own:
            engine.dispose()


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def check_source(self, where: str, what: str, url: str | None, confidence: str) -> None:
        """Warn (not fail, for now) about a source that is not an http(s) link, or a confirmed
        fact with no link at all."""
        if url is not None and not is_http_url(url):
            self.warnings.append(f"{where}: {what}: source {url!r} is not an http(s) link")
        elif confidence == "confirmed" and not url:
            self.warnings.append(f"{where}: {what}: confirmed without a source link")

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1


def upsert(session: Session, model: type[m.Base], key: Any,
           values: Mapping[str, Any]) -> bool | None:
    """Insert or update one row; True if created, False if changed, None if unchanged."""
    with session.no_autoflush:
        obj = session.get(model, key)
    created = obj is None
    if obj is None:
        pk = str(inspect(model).primary_key[0].key)
        obj = model(**{pk: key})
        session.add(obj)
    changed = created
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return created if changed else None


def service_values(s: ServiceIn) -> dict[str, Any]:
    data = s.model_dump(exclude={"categories", "languages"})
    data["categories_text"] = m.encode_list(s.categories)
    data["languages_text"] = m.encode_list(s.languages)
    data["search_text"] = search_text_for(s.name, s.organisation, s.city, s.eligibility)
    return data


def rule_warnings(ruleset: RuleSet) -> list[str]:
    """Rules and legal sources whose source is not an http(s) link, or confirmed without one."""
    report = SeedReport()
    for src in ruleset.sources.values():
        report.check_source(f"rules/{src.jurisdiction}", f"source {src.id}", src.url,
                            src.confidence)
    for rule in ruleset.rules.values():
        report.check_source(f"{rule.file}:{rule.line or '?'}", f"rule {rule.id}",
                            rule.source_url, rule.confidence)
    return report.warnings


class SeedError(ValueError):
    """Seed data is invalid; the message names the file, line and field."""


@lru_cache(maxsize=1)
def seeded_countries() -> tuple[str, ...]:
    """Codes of the countries the seed holds (one `seed/countries/XX.yaml` each), sorted."""
    return tuple(sorted(p.stem.upper() for p in (SEED_DIR / "countries").glob("*.yaml")
                        if len(p.stem) == 2))


def seed_files(seed_dir: Path | None = None) -> list[Path]:
    root = seed_dir or SEED_DIR
    return sorted((root / "countries").glob("*.yaml")) + sorted(root.glob("*.yaml"))


def _validated(schema: type[BaseModel], item: Any, path: Path,
               lines: Mapping[tuple[str | int, ...], int], loc: tuple[str | int, ...]) -> Any:
    try:
        return schema.model_validate(item)
    except ValidationError as exc:
        err = exc.errors()[0]
        fld = ".".join(str(p) for p in err["loc"]) or "(entry)"
        line = line_of(dict(lines), (*loc, *err["loc"][:1]))
        raise SeedError(f"{path}:{line or '?'}: field {fld}: {err['msg']}") from None


def seed(session: Session, seed_dir: Path | None = None) -> SeedReport:
    """Load every seed file (of `seed_dir`, default the package's); idempotent. Raises
    SeedError (naming the file, line and field) on invalid data; the caller's transaction
    then writes nothing."""
    report = SeedReport()
    # Load every existing row once so the upserts below hit the identity map, not the database.
    preloaded = [session.scalars(select(model)).all()
                 for model in (m.Country, m.Hotline, m.Consulate, m.Service)]
    seen: dict[tuple[str, str], str] = {}
    kinds: dict[str, tuple[type[BaseModel], type[m.Base]]] = {
        "hotlines": (HotlineIn, m.Hotline), "consulates": (ConsulateIn, m.Consulate),
        "services": (ServiceIn, m.Service)}
    for path in seed_files(seed_dir):
        try:
            data, lines = load_file(path)
        except YamlError as exc:
            raise SeedError(f"{path}:{exc.line or '?'}: {exc.message}") from None
        data = data or {}
        unknown = set(data) - {"country", *kinds}
        if unknown:
            key = sorted(unknown)[0]
            raise SeedError(f"{path}:{line_of(lines, (key,))}: field {key}: unknown section")
        if "country" in data:
            c = _validated(CountryIn, data["country"], path, lines, ("country",))
            report.check_source(f"{path}:{line_of(lines, ('country',))}", f"country {c.code}",
                                c.source_url, c.confidence)
            res = upsert(session, m.Country, c.code, c.model_dump())
            if res is not None:
                report.count("countries", res)
        for kind, (schema, model) in kinds.items():
            for i, item in enumerate(data.get(kind) or []):
                obj = _validated(schema, item, path, lines, (kind, i))
                where = f"{path}:{line_of(lines, (kind, i))}"
                if (kind, obj.id) in seen:
                    raise SeedError(f"{where}: field id: duplicate id {obj.id!r} "
                                    f"(also at {seen[(kind, obj.id)]})")
                seen[(kind, obj.id)] = where
                report.check_source(where, f"{kind[:-1]} {obj.id}", obj.source_url,
                                    obj.confidence)
                values = service_values(obj) if kind == "services" else obj.model_dump()
                res = upsert(session, model, obj.id, values)
                if res is not None:
                    report.count(kind, res)
    session.flush()
    del preloaded
    return report


def prepare(url: str) -> SeedReport:
    """Migrate the database at `url` to head and seed it, in one call (tests, benchmarks)."""
    from knowledge.db import session_scope

    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return seed(session)
    finally:
        engine.dispose()
