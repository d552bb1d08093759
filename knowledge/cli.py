"""`helpline kb …`: migrate, seed, import, export, stale, coverage, rules and evaluate (Typer).

Mounted by `helpline.cli` as the `kb` group, which fills the defaults from the settings; also
runs alone with `python -m knowledge.cli`. Every command that opens the database takes
`--database-url` (default: DATABASE_URL). Commands that read rules take `--rules-dir` (default:
the shipped rule files).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

if TYPE_CHECKING:
    from knowledge.rules import RuleSet

app = typer.Typer(
    help="Knowledge base: schema, seed data, bulk import/export, stale listings and "
         "entitlement evaluation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

DbUrl = Annotated[str | None, typer.Option("--database-url", envvar="DATABASE_URL",
                                           help="SQLAlchemy URL (default: DATABASE_URL).")]
RulesDir = Annotated[Path | None, typer.Option(
    help="Read rule files from this folder instead of the shipped ones.")]
MaxAge = Annotated[int, typer.Option("--max-age-days", min=1, envvar="STALE_AFTER_DAYS",
                                     help="A fact not verified for this long counts as stale.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _url(url: str | None) -> str:
    if not url:
        raise _fail("no database: pass --database-url or set DATABASE_URL", 2)
    return url


def _engine(url: str | None) -> Engine:
    from knowledge.db import make_engine

    return make_engine(_url(url))


def _rules(rules_dir: Path | None) -> RuleSet:
    from knowledge.rules import RuleError, rules_in

    if rules_dir is not None and not rules_dir.is_dir():
        raise _fail(f"--rules-dir {rules_dir}: no such folder", 2)
    try:
        return rules_in(rules_dir)
    except RuleError as exc:
        raise _fail(str(exc)) from None


def _print_warnings(warnings: list[str]) -> None:
    if not warnings:
        return
    err.print(f"{len(warnings)} warning(s): sources that are not http(s) links "
              "(they will become errors):", markup=False, highlight=False)
    for w in warnings[:20]:
        err.print(f"  {w}", markup=False, highlight=False)
    if len(warnings) > 20:
        err.print(f"  ... and {len(warnings) - 20} more", markup=False)


@app.command()
def migrate(database_url: DbUrl = None,
            revision: Annotated[str, typer.Option(help="Target revision.")] = "head") -> None:
    """Create or upgrade the knowledge-base schema (Alembic)."""
    from knowledge.setup import migrate as run

    run(_url(database_url), revision=revision)
    out.print(f"schema at {revision}")


@app.command()
def seed(database_url: DbUrl = None,
         actor: Annotated[str, typer.Option(help="Name recorded in the audit log.")] = "seed",
         ) -> None:
    """Check the shipped rule files, then load the seed listings (idempotent; validates
    everything first; all or nothing). Rules are not copied into the database."""
    from knowledge.db import session_scope
    from knowledge.setup import SeedError, rule_warnings
    from knowledge.setup import seed as run

    ruleset = _rules(None)
    try:
        with session_scope(_engine(database_url), actor=actor) as session:
            report = run(session)
    except SeedError as exc:
        raise _fail(str(exc)) from None
    out.print(f"rules: {len(ruleset.rules)} checked (read from their files)")
    out.print(f"created: {report.created or 'nothing'}; updated: {report.updated or 'nothing'}")
    _print_warnings(rule_warnings(ruleset) + report.warnings)


@app.command()
def rules(rules_dir: RulesDir = None) -> None:
    """Check rule files (schema, references, conflicts) and count rules per jurisdiction."""
    from knowledge.setup import rule_warnings

    ruleset = _rules(rules_dir)
    counts: dict[str, int] = {}
    for rule in ruleset.rules.values():
        counts[rule.jurisdiction] = counts.get(rule.jurisdiction, 0) + 1
    out.print(f"{len(ruleset.rules)} rules, {len(ruleset.sources)} sources: "
              + ", ".join(f"{j} {n}" for j, n in sorted(counts.items())))
    _print_warnings(rule_warnings(ruleset))


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="A .csv or .yaml file.")],
            kind: Annotated[str | None, typer.Option(
                help="services, hotlines or consulates (default: from the file).")] = None,
            database_url: DbUrl = None,
            actor: Annotated[str, typer.Option(help="Name in the audit log.")] = "import",
            ) -> None:
    """Import listings from CSV or YAML: all rows are validated first; all or nothing."""
    from knowledge.db import session_scope
    from knowledge.io import ImportFailed, import_file, refresh_statistics

    if kind is not None and kind not in ("services", "hotlines", "consulates"):
        raise _fail(f"--kind {kind!r}: use services, hotlines or consulates", 2)
    if not file.is_file():
        raise _fail(f"{file}: no such file", 2)
    progress = Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, transient=True)
    task = progress.add_task("import", total=None)

    def tick(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    engine = _engine(database_url)
    try:
        with progress, session_scope(engine, actor=actor) as session:
            result = import_file(session, file, kind, progress=tick)
    except ImportFailed as exc:
        typer.echo(f"{len(exc.errors)} error(s); nothing was imported:", err=True)
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    if result.created + result.updated >= 1000:
        refresh_statistics(engine)
    out.print(f"{result.kind}: {result.created} created, {result.updated} updated, "
              f"{result.unchanged} unchanged")


@app.command()
def export(file: Annotated[Path, typer.Argument(help="Target .csv or .yaml file.")],
           kind: Annotated[str, typer.Option(help="services, hotlines or consulates.")]
           = "services",
           database_url: DbUrl = None) -> None:
    """Export listings to CSV or YAML (re-importable)."""
    from knowledge.db import session_scope
    from knowledge.io import MODELS, export_file

    if kind not in MODELS:
        raise _fail(f"--kind {kind!r}: use services, hotlines or consulates", 2)
    try:
        with session_scope(_engine(database_url)) as session:
            n = export_file(session, file, kind)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    out.print(f"{n} {kind} written to {file}")


@app.command()
def stale(max_age_days: MaxAge = 365,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
          database_url: DbUrl = None, rules_dir: RulesDir = None) -> None:
    """List facts (listings and rules) never verified or verified longer ago than the
    allowed age."""
    from knowledge.db import session_scope
    from knowledge.staleness import stale_facts

    ruleset = _rules(rules_dir)
    with session_scope(_engine(database_url)) as session:
        items = stale_facts(session, max_age_days, rules=ruleset)
    if as_json:
        print(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Stale facts (not verified in the last {max_age_days} days): "
                        f"{len(items)}")
    for col in ("kind", "id", "country", "what", "verified_on"):
        table.add_column(col)
    for i in items:
        table.add_row(i.kind, i.id, i.country or "", i.label,
                      i.verified_on.isoformat() if i.verified_on else "never")
    out.print(table)


@app.command()
def coverage(on: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD (default today).")]
             = None,
             max_age_days: MaxAge = 365,
             country: Annotated[list[str] | None, typer.Option(
                 help="Only this country (repeatable; default: every seeded country).")]
             = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
             database_url: DbUrl = None, rules_dir: RulesDir = None) -> None:
    """Per country: the rights domains answered nationally for an irregular adult (and how
    many answers are confirmed), services with a phone or an address and their cities, hotline
    purposes, and stale facts."""
    from knowledge.coverage import coverage as run
    from knowledge.db import session_scope
    from knowledge.rules import DOMAINS

    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise _fail(f"--on {on!r}: use YYYY-MM-DD", 2) from None
    ruleset = _rules(rules_dir)
    with session_scope(_engine(database_url)) as session:
        rows = run(session, day, max_age_days, country, rules=ruleset)
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Knowledge coverage, {(day or dt.date.today()).isoformat()} "
                        f"(irregular adult, {len(DOMAINS)} domains)")
    for col, justify in (("country", "left"), ("national", "right"), ("confirmed", "right"),
                         ("missing domains", "left"), ("reachable services", "right"),
                         ("cities", "left"), ("hotlines", "left"), ("stale", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        n = len(r.national_domains)
        table.add_row(
            f"{r.country} {r.name}", f"{n}/{len(DOMAINS)}", f"{r.confirmed_answers}/{n}",
            ", ".join(r.missing_domains) or "-", f"{r.reachable_services}/{r.services}",
            f"{len(r.cities)}: {', '.join(r.cities)}" if r.cities else "0",
            ", ".join(r.hotline_purposes) or "-", str(r.stale))
    out.print(table)


@app.command()
def evaluate(profile: Annotated[Path, typer.Option(
                 "--profile", help="JSON file with country, nationality, migration_status, age, "
                 "sex, situation.")],
             on: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD (default today).")]
             = None,
             lang: Annotated[str, typer.Option(help="es, en, pt, fr or ht.")] = "en",
             domain: Annotated[list[str] | None, typer.Option(
                 help="Limit to a domain (repeatable).")] = None,
             database_url: DbUrl = None, rules_dir: RulesDir = None) -> None:
    """Evaluate a profile's entitlements and print JSON with legal basis and contacts."""
    from knowledge.api import Profile, ProfileError
    from knowledge.api import evaluate as run
    from knowledge.db import session_scope

    try:
        data = json.loads(profile.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(f"{profile}: {exc.strerror}", 2) from None
    except json.JSONDecodeError as exc:
        raise _fail(f"{profile}:{exc.lineno}: not valid JSON: {exc.msg}", 2) from None
    try:
        prof = Profile.from_dict(data)
        day = dt.date.fromisoformat(on) if on else None
    except ProfileError as exc:
        raise _fail(f"{profile}: {exc}", 2) from None
    except ValueError:
        raise _fail(f"--on {on!r}: expected YYYY-MM-DD", 2) from None
    ruleset = _rules(rules_dir)
    try:
        with session_scope(_engine(database_url)) as session:
            result = run(session, prof, on=day, domains=domain, lang=lang, rules=ruleset)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    app()
