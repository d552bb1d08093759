"""Declarative entitlement rules: YAML files validated by `rule_schema.json`, compiled into a
`RuleSet` that matches profiles, applies exceptions and refuses conflicting rules at load time.

File shape: `jurisdiction` (ISO alpha-2 or `INT`), `sources` (legal sources by id) and `rules`.
A rule fires when every condition in `when` holds for the profile and the date lies in
`effective` (both ends inclusive). A fired rule listed in another fired rule's `exception_to`
is suppressed. Two rules of one jurisdiction and domain with different statuses that can fire
for the same profile on the same day, with no precedence between them, are a load error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from knowledge.languages import FALLBACK_LANGUAGE
from knowledge.yamlio import YamlError, line_of, load_file

RULES_DIR = Path(__file__).resolve().parent / "rules"
SITUATIONS = ("pregnant", "minor", "unaccompanied_minor", "trafficking_victim",
              "violence_victim", "detained", "returnee", "disability")
MIGRATION_STATUSES = ("regular", "irregular", "asylum_seeker", "refugee", "unknown")
DOMAINS = ("health", "education", "consular", "protection", "work", "social_security",
           "legal_status", "asylum", "detention")
STATUSES = ("granted", "limited", "not_granted", "unknown")


class RuleError(ValueError):
    """A rule file is invalid; the message names the file, line and field."""


class RuleConflictError(RuleError):
    """Two rules can fire together with different outcomes and no precedence."""


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(resources.files("knowledge").joinpath("rule_schema.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


@dataclass(frozen=True)
class Source:
    id: str
    jurisdiction: str
    title: str
    article: str | None
    url: str | None
    confidence: str
    verified_on: dt.date | None


@dataclass(frozen=True)
class Conditions:
    countries: frozenset[str] | None = None
    nationality_in: frozenset[str] | None = None
    nationality_not_in: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    age_min: int | None = None
    age_max: int | None = None
    sexes: frozenset[str] | None = None
    sit_all: frozenset[str] = frozenset()
    sit_any: frozenset[str] | None = None
    sit_none: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, when: Mapping[str, Any]) -> Conditions:
        nat = when.get("nationality") or {}
        age = when.get("age") or {}
        sit = when.get("situation") or {}

        def fs(v: Any) -> frozenset[str] | None:
            return frozenset(v) if v else None

        return cls(
            countries=fs(when.get("countries")), nationality_in=fs(nat.get("in")),
            nationality_not_in=fs(nat.get("not_in")), statuses=fs(when.get("migration_status")),
            age_min=age.get("min"), age_max=age.get("max"), sexes=fs(when.get("sex")),
            sit_all=frozenset(sit.get("all") or ()), sit_any=fs(sit.get("any")),
            sit_none=frozenset(sit.get("none") or ()),
        )

    def matches(self, country: str, nationality: str | None, status: str, age: int | None,
                sex: str | None, situations: frozenset[str]) -> bool:
        if self.countries is not None and country not in self.countries:
            return False
        if self.nationality_in is not None and nationality not in self.nationality_in:
            return False
        if self.nationality_not_in is not None and (
                nationality is None or nationality in self.nationality_not_in):
            return False
        if self.statuses is not None and status not in self.statuses:
            return False
        if self.age_min is not None and (age is None or age < self.age_min):
            return False
        if self.age_max is not None and (age is None or age > self.age_max):
            return False
        if self.sexes is not None and sex not in self.sexes:
            return False
        if not self.sit_all <= situations or self.sit_none & situations:
            return False
        return not (self.sit_any is not None and not self.sit_any & situations)

    def overlaps(self, other: Conditions) -> bool:
        """Whether some profile can satisfy both (sound: never says no when one exists)."""
        if self.countries and other.countries and not self.countries & other.countries:
            return False
        a_in, b_in = self.nationality_in, other.nationality_in
        a_out = self.nationality_not_in or frozenset()
        b_out = other.nationality_not_in or frozenset()
        if a_in is not None and b_in is not None and not (a_in & b_in) - a_out - b_out:
            return False
        if a_in is not None and not a_in - b_out:
            return False
        if b_in is not None and not b_in - a_out:
            return False
        if self.statuses and other.statuses and not self.statuses & other.statuses:
            return False
        lo = max(self.age_min or 0, other.age_min or 0)
        hi = min(v for v in (self.age_max, other.age_max, 200) if v is not None)
        if lo > hi:
            return False
        if self.sexes and other.sexes and not self.sexes & other.sexes:
            return False
        must = self.sit_all | other.sit_all
        never = self.sit_none | other.sit_none
        if must & never:
            return False
        for any_of in (self.sit_any, other.sit_any):
            if any_of is not None and not any_of - never:
                return False
        return True

    @property
    def specificity(self) -> int:
        return sum(1 for v in (self.nationality_in, self.nationality_not_in, self.statuses,
                               self.age_min, self.age_max, self.sexes, self.sit_any)
                   if v is not None) + len(self.sit_all) + len(self.sit_none)


@dataclass(frozen=True)
class CompiledRule:
    id: str
    jurisdiction: str
    domain: str
    status: str
    conditions: Conditions
    exception_to: tuple[str, ...]
    effective_from: dt.date | None
    effective_to: dt.date | None
    citations: tuple[str, ...]
    confidence: str
    verified_on: dt.date | None
    source_url: str | None
    texts: Mapping[str, Mapping[str, Any]]
    file: str | None = None
    line: int | None = None

    def in_force(self, on: dt.date) -> bool:
        return not ((self.effective_from and on < self.effective_from)
                    or (self.effective_to and on > self.effective_to))

    def dates_overlap(self, other: CompiledRule) -> bool:
        lo = max(d for d in (self.effective_from, other.effective_from, dt.date.min) if d)
        hi = min(d for d in (self.effective_to, other.effective_to, dt.date.max) if d)
        return lo <= hi

    def text(self, lang: str) -> Mapping[str, Any]:
        return (self.texts.get(lang) or self.texts.get(FALLBACK_LANGUAGE)
                or next(iter(self.texts.values())))

    def where(self) -> str:
        return f"{self.file or '<data>'}:{self.line or '?'}: rule {self.id}"


@dataclass
class RuleSet:
    """Compiled rules indexed by jurisdiction, plus the legal sources they cite."""

    rules: dict[str, CompiledRule]
    sources: dict[str, Source]
    by_jurisdiction: dict[str, list[CompiledRule]] = field(default_factory=dict)
    precedence: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_jurisdiction = {}
        for rule in self.rules.values():
            self.by_jurisdiction.setdefault(rule.jurisdiction, []).append(rule)
        self.precedence = {rid: self._overrides(rid) for rid in self.rules}
        self.check()

    def _overrides(self, rid: str) -> frozenset[str]:
        """Every rule `rid` takes precedence over, transitively."""
        seen: set[str] = set()
        stack = list(self.rules[rid].exception_to)
        while stack:
            cur = stack.pop()
            if cur == rid:
                raise RuleError(f"{self.rules[rid].where()}: exception_to forms a cycle")
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(self.rules[cur].exception_to if cur in self.rules else ())
        return frozenset(seen)

    def check(self) -> None:
        """Raise on dangling references and on conflicts without precedence."""
        for rule in self.rules.values():
            for cid in rule.citations:
                if cid not in self.sources:
                    raise RuleError(f"{rule.where()}: field citations: unknown source '{cid}'")
            for target in rule.exception_to:
                other = self.rules.get(target)
                if other is None:
                    raise RuleError(f"{rule.where()}: field exception_to: unknown rule '{target}'")
                if (other.jurisdiction, other.domain) != (rule.jurisdiction, rule.domain):
                    raise RuleError(f"{rule.where()}: field exception_to: '{target}' is in another "
                                    "jurisdiction or domain")
        for rules in self.by_jurisdiction.values():
            for i, a in enumerate(rules):
                for b in rules[i + 1:]:
                    if (a.domain != b.domain or a.status == b.status
                            or a.id in self.precedence[b.id] or b.id in self.precedence[a.id]):
                        continue
                    if a.dates_overlap(b) and a.conditions.overlaps(b.conditions):
                        raise RuleConflictError(
                            f"{a.where()} ({a.status}) conflicts with {b.where()} ({b.status}): "
                            "both can apply to the same profile on the same day and neither is "
                            "declared an exception to the other")

    def fire(self, jurisdiction: str, country: str, nationality: str | None, status: str,
             age: int | None, sex: str | None, situations: frozenset[str], on: dt.date,
             domains: Iterable[str] | None = None) -> list[CompiledRule]:
        """Rules of `jurisdiction` that apply, after exceptions, most specific first."""
        wanted = set(domains) if domains is not None else None
        fired = [r for r in self.by_jurisdiction.get(jurisdiction, ())
                 if (wanted is None or r.domain in wanted) and r.in_force(on)
                 and r.conditions.matches(country, nationality, status, age, sex, situations)]
        suppressed: set[str] = set()
        for r in fired:
            suppressed |= self.precedence[r.id]
        kept = [r for r in fired if r.id not in suppressed]
        kept.sort(key=lambda r: (DOMAINS.index(r.domain), -r.conditions.specificity, r.id))
        return kept


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def compile_file(data: Mapping[str, Any], file: str | None = None,
                 lines: Mapping[tuple[str | int, ...], int] | None = None,
                 ) -> tuple[list[CompiledRule], list[Source]]:
    """Validate one parsed rule file against the schema and compile it."""
    lines = lines or {}
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        path = tuple(err.absolute_path)
        where = f"{file or '<data>'}:{line_of(dict(lines), path) or '?'}"
        fld = "/".join(str(p) for p in path) or "(top level)"
        raise RuleError(f"{where}: field {fld}: {err.message}")
    jur = data["jurisdiction"]
    sources = [
        Source(id=sid, jurisdiction=jur, title=s["title"], article=s.get("article"),
               url=s.get("url"), confidence=s.get("confidence", "unconfirmed"),
               verified_on=_date(s.get("verified_on")))
        for sid, s in (data.get("sources") or {}).items()
    ]
    rules = []
    for i, r in enumerate(data["rules"]):
        eff = r.get("effective") or {}
        if r.get("confidence") == "confirmed" and not r.get("verified_on"):
            raise RuleError(f"{file}:{line_of(dict(lines), ('rules', i)) or '?'}: rule {r['id']}: "
                            "field confidence: a confirmed rule needs verified_on")
        rules.append(CompiledRule(
            id=r["id"], jurisdiction=jur, domain=r["domain"], status=r["status"],
            conditions=Conditions.parse(r.get("when") or {}),
            exception_to=tuple(r.get("exception_to") or ()),
            effective_from=_date(eff.get("from")), effective_to=_date(eff.get("to")),
            citations=tuple(r["citations"]), confidence=r["confidence"],
            verified_on=_date(r.get("verified_on")), source_url=r.get("source_url"),
            texts=r["text"], file=file, line=line_of(dict(lines), ("rules", i)),
        ))
    return rules, sources


def build_ruleset(rules: Iterable[CompiledRule], sources: Iterable[Source]) -> RuleSet:
    by_id: dict[str, CompiledRule] = {}
    for rule in rules:
        if rule.id in by_id:
            raise RuleError(f"{rule.where()}: field id: duplicate rule id (also at "
                            f"{by_id[rule.id].where()})")
        by_id[rule.id] = rule
    src: dict[str, Source] = {}
    for s in sources:
        if s.id in src and src[s.id] != s:
            raise RuleError(f"source '{s.id}' is defined twice with different content")
        src[s.id] = s
    return RuleSet(by_id, src)


def load_rule_files(paths: Iterable[Path] | None = None) -> RuleSet:
    """Load, validate and check rule files (default: every `knowledge/rules/*.yaml`)."""
    files = sorted(paths) if paths is not None else sorted(RULES_DIR.glob("*.yaml"))
    all_rules: list[CompiledRule] = []
    all_sources: list[Source] = []
    for path in files:
        try:
            data, lines = load_file(path)
        except YamlError as exc:
            raise RuleError(f"{path}:{exc.line or '?'}: {exc.message}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"{path}: {exc}") from None
        rules, sources = compile_file(data, str(path), lines)
        all_rules += rules
        all_sources += sources
    return build_ruleset(all_rules, all_sources)


def rules_in(folder: Path | None) -> RuleSet:
    """The rule files of `folder` (None: the shipped ones), loaded and checked."""
    return load_rule_files(sorted(folder.glob("*.yaml")) if folder is not None else None)


@lru_cache(maxsize=1)
def shipped_rules() -> RuleSet:
    """The shipped rule files, loaded and checked once per process (they change only with a
    release, so there is nothing to poll)."""
    return load_rule_files()
