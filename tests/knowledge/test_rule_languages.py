"""Every rule speaks every helpline language: each text field a rule has in one language is
present and non-empty in es, en, pt, fr and ht, and evaluation answers in that language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from helpline.i18n import LANGUAGES
from knowledge.api import Profile, evaluate
from knowledge.rules import RULES_DIR
from knowledge.setup import seeded_countries
from knowledge.yamlio import load_file

RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))


def shipped_rules() -> Iterator[tuple[Path, Mapping[str, Any]]]:
    for path in RULE_FILES:
        data, _ = load_file(path)
        for rule in data["rules"]:
            yield path, rule


def text_gaps(rule: Mapping[str, Any], languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """What a rule's `text` lacks: a field (summary, warnings) that some language has and one of
    `languages` misses or leaves empty, or a warnings list shorter than another language's."""
    texts: Mapping[str, Mapping[str, Any]] = rule.get("text") or {}
    fields = {f for t in texts.values() for f in (t or {})}
    counts = {lang: len(t.get("warnings") or ()) for lang, t in texts.items() if t}
    most = max(counts.values(), default=0)
    gaps = []
    for lang in languages:
        text = texts.get(lang) or {}
        for f in sorted(fields):
            value = text.get(f)
            values = value if isinstance(value, list) else [value]
            if f not in text:
                gaps.append(f"{lang}: no {f}")
            elif not values or any(not isinstance(v, str) or not v.strip() for v in values):
                gaps.append(f"{lang}: empty {f}")
        if "warnings" in fields and "warnings" in text and counts.get(lang, 0) < most:
            gaps.append(f"{lang}: {counts.get(lang, 0)} of {most} warnings")
    return gaps


def test_the_five_languages_are_the_helpline_languages() -> None:
    assert LANGUAGES == ("es", "en", "pt", "fr", "ht")


def test_rule_files_are_found() -> None:
    rules = list(shipped_rules())
    assert len(RULE_FILES) >= 13 and len(rules) >= 39


@pytest.mark.parametrize(("path", "rule"), list(shipped_rules()),
                         ids=lambda v: v.name if isinstance(v, Path) else v["id"])
def test_rule_has_every_text_field_in_every_language(path: Path, rule: Mapping[str, Any]) -> None:
    assert text_gaps(rule) == [], f"{path.name}: rule {rule['id']}"


def complete_rule() -> dict[str, Any]:
    texts: dict[str, Any] = {lang: {"summary": f"summary {lang}", "warnings": [f"warning {lang}"]}
                             for lang in LANGUAGES}
    return {"id": "xx.health.all", "text": texts}


def test_complete_rule_has_no_gaps() -> None:
    assert text_gaps(complete_rule()) == []


@pytest.mark.parametrize(("lang", "text", "gap"), [
    ("ht", None, "ht: no summary"),
    ("pt", {"summary": "resumo"}, "pt: no warnings"),
    ("fr", {"summary": "  ", "warnings": ["avertissement"]}, "fr: empty summary"),
    ("es", {"summary": "resumen", "warnings": []}, "es: empty warnings"),
    ("en", {"summary": "summary", "warnings": [""]}, "en: empty warnings"),
])
def test_missing_or_empty_language_is_a_gap(lang: str, text: dict[str, Any] | None,
                                            gap: str) -> None:
    rule = complete_rule()
    if text is None:
        del rule["text"][lang]
    else:
        rule["text"][lang] = text
    assert gap in text_gaps(rule)


def test_a_missing_warning_in_one_language_is_a_gap() -> None:
    rule = complete_rule()
    rule["text"]["es"] = {"summary": "resumen", "warnings": ["uno", "dos"]}
    assert text_gaps(rule) == [f"{lang}: 1 of 2 warnings" for lang in LANGUAGES if lang != "es"]


def test_a_field_only_in_another_language_counts() -> None:
    texts: dict[str, Any] = {lang: {"summary": lang} for lang in LANGUAGES}
    texts["ar"] = {"summary": "ملخص", "warnings": ["تحذير"]}
    rule = {"id": "xx.health.all", "text": texts}
    assert text_gaps(rule) == [f"{lang}: no warnings" for lang in LANGUAGES]


# Profiles that, between them, fire every shipped rule (checked below).
DAY = dt.date(2026, 11, 28)
BEFORE_DNU = dt.date(2024, 6, 1)
COUNTRIES = seeded_countries()
PROFILES: list[dict[str, Any]] = [
    *(dict(migration_status=s) for s in ("irregular", "regular")),
    dict(migration_status="irregular", age=10),
    dict(migration_status="irregular", sex="female", situation=["pregnant"]),
    dict(migration_status="irregular", situation=["detained", "trafficking_victim"]),
]


def case_profiles() -> list[tuple[Profile, dt.date]]:
    """The profile and date of every rule case (`rules/cases/*.yaml`), so a situation rule
    pinned by a case (asylum seeker, unaccompanied minor, violence victim...) counts as fired."""
    out = []
    for path in sorted((RULES_DIR / "cases").glob("*.yaml")):
        cases, _ = load_file(path)
        for case in cases or []:
            on = case["date"]
            on = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on))
            out.append((Profile.from_dict(case["profile"]), on))
    return out


def probes() -> Iterator[tuple[Profile, dt.date]]:
    for country in COUNTRIES:
        for on in (DAY, BEFORE_DNU):
            for extra in PROFILES:
                yield Profile(country=country, **extra), on
    yield from case_profiles()


def file_text(lang: str) -> dict[str, Mapping[str, Any]]:
    return {rule["id"]: rule["text"][lang] for _, rule in shipped_rules()}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_evaluation_answers_every_rule_in_the_language_asked(session, lang: str) -> None:
    texts = file_text(lang)
    fired: set[str] = set()
    for profile, on in probes():
        ev = evaluate(session, profile, on=on, lang=lang, with_contacts=False)
        for e in ev.entitlements:
            if not e.rules:
                continue
            fired.update(e.rules)
            expected = " ".join(texts[r]["summary"].strip() for r in e.rules)
            assert e.summary == expected, (lang, profile.country, e.rules)
            for r in e.rules:
                assert all(w in e.warnings for w in texts[r].get("warnings") or ())
    assert fired == set(texts), f"rules never fired: {sorted(set(texts) - fired)}"
