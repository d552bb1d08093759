"""The Rasa project itself: data validation, test stories, and held-out NLU accuracy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devstack.training import rasa_env, train
from helpline.paths import BOT_DIR, RASA_VENV, ROOT

RASA = str(RASA_VENV / "bin" / "rasa")
LANGUAGES = ("es", "en", "pt", "fr", "ht")
# The design's budget: >= 0.95 overall and >= 0.92 in every language, both asserted here;
# `make bench` prints the same figures with the confusion among the safety intents.
PER_LANGUAGE_BUDGET = 0.92
OVERALL_BUDGET = 0.95


@pytest.fixture(scope="module")
def model() -> Path:
    return train()


def run(argv: list[str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, env=rasa_env(), capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.rasa
def test_training_data_validates() -> None:
    result = run([RASA, "data", "validate", "--data", str(BOT_DIR / "data"),
                  "-d", str(BOT_DIR / "domain.yml"), "-c", str(BOT_DIR / "config.yml")])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.mark.rasa
def test_stories_predict_every_step(model: Path, tmp_path: Path) -> None:
    result = run([RASA, "test", "core", "--model", str(model),
                  "--stories", str(BOT_DIR / "tests" / "test_stories.yml"),
                  "--out", str(tmp_path), "--fail-on-prediction-errors"])
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details[-6000:] + result.stderr[-3000:]


@pytest.mark.rasa
def test_heldout_intent_accuracy(model: Path) -> None:
    result = run([str(RASA_VENV / "bin" / "python"), str(BOT_DIR / "scripts" / "evaluate_nlu.py"),
                  str(model), str(BOT_DIR / "tests" / "nlu_heldout")])
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps({k: report[k] for k in ("overall", "per_language", "counts")}, indent=1))
    assert set(report["per_language"]) == set(LANGUAGES)
    assert report["overall"] >= OVERALL_BUDGET, report["overall"]
    for lang, accuracy in report["per_language"].items():
        assert accuracy >= PER_LANGUAGE_BUDGET, (lang, accuracy)


def _examples(directory: Path) -> dict[str, set[str]]:
    import unicodedata

    import yaml

    def norm(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text.lower())
        folded = "".join(c for c in folded if not unicodedata.combining(c))
        return " ".join("".join(c if c.isalnum() else " " for c in folded).split())

    found: dict[str, set[str]] = {}
    for path in sorted(directory.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.setdefault(norm(line.strip()[2:]), set()).add(path.stem)
    return found


def test_heldout_lines_never_appear_in_training() -> None:
    training = _examples(BOT_DIR / "data" / "nlu")
    heldout = _examples(BOT_DIR / "tests" / "nlu_heldout")
    leaked = sorted(set(training) & set(heldout))
    assert not leaked, f"{len(leaked)} held-out lines are also training lines: {leaked[:10]}"
